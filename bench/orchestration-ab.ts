// A/B of the orchestration against an older tree, interleaved, medians: a task's own time (task.started →
// task.finished, from the run log) in 20-task commit-only runs, with and without its agent's process, and the
// per-run cost (a 1-task run's wall minus its task). Immune to load drifting between runs, which fits are not.
//   git archive <commit> src bench | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/
//   BENCH_AB_BEFORE=/tmp/before npx tsx bench/orchestration-ab.ts
import path from "node:path";
import { timeChildProcesses } from "./lib/child-timer.js";
import { engineRun as after, type EngineRunOptions, type EngineRunResult } from "./lib/engine-run.js";
import { fmt, median } from "./lib/stats.js";

type Run = (opts: EngineRunOptions) => Promise<EngineRunResult>;

async function main(): Promise<void> {
  const dir = process.env.BENCH_AB_BEFORE;
  if (!dir) {
    throw new Error(
      "Set BENCH_AB_BEFORE to a tree of the older commit (git archive <commit> src bench | tar -x -C DIR).",
    );
  }
  const before = ((await import(path.resolve(dir, "bench/lib/engine-run.ts"))) as { engineRun: Run })
    .engineRun;
  const runs: Record<"before" | "after", Run> = { before, after };
  const names = ["before", "after"] as const;
  const repeats = Number(process.env.BENCH_REPEATS ?? 8);
  const task = { before: [] as number[], after: [] as number[] };
  const minusAgent = { before: [] as number[], after: [] as number[] };
  const perRun = { before: [] as number[], after: [] as number[] };
  for (const v of names) await runs[v]({ tasks: 2 });
  for (let i = 0; i < repeats * 4; i++) {
    for (const v of i % 2 ? [...names].reverse() : names) {
      // Per run on every pass; per task every fourth (a 20-task run is long).
      let open = 0;
      let span = 0;
      const one = await runs[v]({
        tasks: 1,
        onLogWrite: (type, at, ms) => {
          if (type === "task.started") open = at;
          else if (type === "task.finished") span = at + ms - open;
        },
      });
      perRun[v].push(one.wallMs - span);
      if (i % 4 !== 0) continue;
      const spans: Array<[number, number]> = [];
      const timer = timeChildProcesses();
      try {
        await runs[v]({
          tasks: 20,
          onLogWrite: (type, at, ms) => {
            if (type === "task.started") open = at;
            else if (type === "task.finished") spans.push([open, at + ms]);
          },
        });
      } finally {
        timer.restore();
      }
      for (const [a, b] of spans) {
        const agent = timer.timings.find((t) => t.label === "sh" && t.start >= a && t.start <= b);
        task[v].push(b - a);
        if (agent) minusAgent[v].push(b - a - agent.ms);
      }
    }
  }
  const row = (what: string, m: Record<"before" | "after", number[]>) => {
    const [b, a] = [median(m.before), median(m.after)];
    return `| ${what} | ${fmt(b, 1)} | ${fmt(a, 1)} | ${fmt((100 * (a - b)) / b, 0)} % |`;
  };
  console.log(
    [
      `| measure (medians) | before (ms) | after (ms) | |`,
      `| --- | ---: | ---: | ---: |`,
      row(`a task, 20-task runs (${task.after.length} tasks each)`, task),
      row("the same minus its agent's process", minusAgent),
      row(`per run: a 1-task run's wall minus its task (${perRun.after.length} runs each)`, perRun),
    ].join("\n"),
  );
}

await main();
