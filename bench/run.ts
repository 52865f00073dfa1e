// `npm run bench`: runs the benchmarks and prints Markdown for docs/benchmarks.md.
import os from "node:os";
import { benchOrchestration } from "./orchestration.js";

const repeats = Number(process.env.BENCH_REPEATS ?? 5);
console.log(`## Orchestration per task (${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
console.log(await benchOrchestration(repeats));
