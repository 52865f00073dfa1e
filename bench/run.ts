// `npm run bench`: runs the benchmarks and prints Markdown for docs/benchmarks.md.
import os from "node:os";
import { benchClaudeCode } from "./claude-code.js";
import { benchOrchestration } from "./orchestration.js";

const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const only = process.argv[2];
console.log(
  `Machine: ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load ${os.loadavg()[0]!.toFixed(1)}\n`,
);
if (!only || only === "orchestration") {
  console.log("## Orchestration per task\n");
  console.log(await benchOrchestration(repeats));
  console.log();
}
if (!only || only === "claude-code") {
  console.log("## Same 3-task playbook with the real Claude Code CLI\n");
  console.log(await benchClaudeCode(repeats));
}
