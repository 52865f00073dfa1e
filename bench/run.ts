// `npm run bench [-- NAME...]`: runs benchmarks and prints Markdown for docs/benchmarks.md; plots go to
// docs/bench/*.svg. With no name: a quick pass (a few minutes) over orchestration and intake.
// BENCH_REPEATS=N sets the repeats of every benchmark.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { benchClaudeCode } from "./claude-code.js";
import { benchGrowth } from "./growth.js";
import { benchIntake } from "./intake.js";
import { benchIntakeCommands } from "./intake-commands.js";
import { benchOrchestration } from "./orchestration.js";
import { benchScale } from "./scale.js";
import { benchWorkerMemory } from "./worker-memory.js";

const envRepeats = process.env.BENCH_REPEATS ? Number(process.env.BENCH_REPEATS) : undefined;
const repeats = (dflt: number) => envRepeats ?? dflt;

const benches: Record<string, { title: string; run: () => Promise<string> }> = {
  orchestration: {
    title: "Orchestration per task",
    run: () => benchOrchestration(repeats(5), { fiveSecondRun: true }),
  },
  intake: {
    title: "Webhook intake, non-command comments",
    run: () =>
      benchIntake({
        rounds: repeats(8),
        durationS: Number(process.env.BENCH_DURATION_S ?? 5),
        connections: 10,
        ...(process.env.BENCH_CPU_PROF_DIR ? { cpuProfDir: process.env.BENCH_CPU_PROF_DIR } : {}),
      }),
  },
  "intake-commands": {
    title: "Webhook intake, `/maestro run` commands",
    run: () =>
      benchIntakeCommands({
        durationS: Number(process.env.BENCH_DURATION_S ?? 20),
        connections: 10,
        issues: 200,
        ...(process.env.BENCH_CPU_PROF_DIR ? { cpuProfDir: process.env.BENCH_CPU_PROF_DIR } : {}),
      }),
  },
  growth: { title: "Growth with the number of tasks", run: () => benchGrowth(repeats(3)) },
  sandbox: {
    title: "Sandbox cost per session",
    run: async () => (await import("./sandbox.js")).benchSandbox(repeats(30)),
  },
  "agent-start": {
    title: "Time to agent start",
    run: async () => (await import("./agent-start.js")).benchAgentStart(repeats(5)),
  },
  scale: {
    title: "Scale-out: queued runs on 1, 2 and 4 workers",
    run: () =>
      benchScale({
        runs: Number(process.env.BENCH_SCALE_RUNS ?? 200),
        workerCounts: (process.env.BENCH_SCALE_WORKERS ?? "1,2,4").split(",").map(Number),
        concurrency: 4,
        // 2 s per task: a run's agent time (6 s) is several times its CPU in Maestro and git, and 200 runs
        // on 1, 2 and 4 workers take ≈ 35 min (each run also waits ≈ 13 s for its installation's write spacing).
        agentMs: Number(process.env.BENCH_SCALE_AGENT_MS ?? 2000),
        installations: Number(process.env.BENCH_SCALE_INSTALLATIONS ?? 16),
        boundRuns: Number(process.env.BENCH_SCALE_BOUND_RUNS ?? 20),
        noWriteSpacing: process.env.BENCH_SCALE_NO_WRITE_SPACING === "1",
      }),
  },
  "worker-memory": {
    title: "Worker memory at MAESTRO_CONCURRENCY=4",
    run: () =>
      benchWorkerMemory({
        runs: Number(process.env.BENCH_MEMORY_RUNS ?? 24),
        rounds: repeats(3),
        agentMs: Number(process.env.BENCH_SCALE_AGENT_MS ?? 500),
        concurrency: 4,
        variants: (
          process.env.BENCH_MEMORY_VARIANTS ??
          "default,semi-space-2,semi-space-4,arena-2,v8-pool-1,tsx-preload"
        ).split(","),
      }),
  },
  "runlog-redis-memory": {
    title: "Run logs in Redis: memory per 1000 events, write cost",
    run: async () =>
      (await import("./runlog-redis-memory.js")).benchRunLogRedisMemory({
        events: Number(process.env.BENCH_RUNLOG_EVENTS ?? 10000),
        repeats: repeats(3),
      }),
  },
  "run-page-viewers": {
    title: "Webhook intake with live run pages open",
    run: async () =>
      (await import("./run-page-viewers.js")).benchRunPageViewers({
        rounds: repeats(6),
        durationS: Number(process.env.BENCH_DURATION_S ?? 5),
        connections: 10,
        viewers: Number(process.env.BENCH_VIEWERS ?? 50),
        eventsPerS: Number(process.env.BENCH_VIEWER_EVENTS_PER_S ?? 50),
      }),
  },
  "claude-code": {
    title: "Same 3-task playbook with the real Claude Code CLI",
    run: () => benchClaudeCode(repeats(5)),
  },
  "cli-overhead": {
    title: "`maestro run`'s own cost beside RunMaestro's maestro-cli",
    run: async () => (await import("./cli-overhead.js")).benchCliOverhead(repeats(5)),
  },
};
const quick: Record<string, { title: string; run: () => Promise<string> }> = {
  orchestration: { title: "Orchestration per task (quick)", run: () => benchOrchestration(repeats(2)) },
  intake: {
    title: "Webhook intake, non-command comments (quick)",
    run: () => benchIntake({ rounds: repeats(1), durationS: 5, connections: 10 }),
  },
};

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in benches));
if (unknown.length > 0) {
  console.error(
    `bench: unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(benches).join(", ")}`,
  );
  process.exit(2);
}
const selected = names.length > 0 ? names.map((n) => benches[n]!) : Object.values(quick);
// The quick pass is a smoke run: its few repeats must not replace the plots in docs/bench.
if (names.length === 0) process.env.BENCH_PLOTS = "0";

const git = execFileSync("git", ["--version"], { encoding: "utf8" }).trim();
const memGb = (os.totalmem() / 2 ** 30).toFixed(0);
console.log(
  `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${memGb} GB RAM, node ${process.version}, ${git}, ` +
    `${new Date().toISOString().slice(0, 10)}, load ${os.loadavg()[0]!.toFixed(1)}\n`,
);
for (const b of selected) {
  console.log(`## ${b.title}\n`);
  console.log(await b.run());
  console.log();
}
// A library may leave a handle open (a Redis connection, a timer): the benchmarks are done.
process.exit(0);
