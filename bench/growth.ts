// Growth: how the orchestration cost grows with the number of tasks in one playbook (10, 100, 1000) and
// with the size of the run log (agents that print many lines). Nothing may grow worse than linearly:
// a least-squares line, and the cost of the last tasks of a long run against its first ones.
import { engineRun, WRITE_ONE_FILE, type EngineRunOptions } from "./lib/engine-run.js";

// Every task rewrites one file, so the tree does not grow with the task count: what is measured is
// Maestro's growth, not git's (an agent adding a file per task makes `git add -A` scan ever more files).
const REWRITE_ONE_FILE = `echo "$MAESTRO_TASK_INDEX" > progress.txt`;
import { fitLine, fmt, median } from "./lib/stats.js";
import { lineChartSvg, writePlot } from "./lib/svg.js";

const TASKS = [10, 100, 1000];
const LINES = [0, 1000, 10_000, 50_000];
const LOG_TASKS = 10;

interface Measured {
  wallMs: number;
  runLogBytes: number;
  /** task.started → task.finished of every task, in order. */
  taskMs: number[];
}

async function measured(opts: EngineRunOptions): Promise<Measured> {
  const taskMs: number[] = [];
  let open = 0;
  const r = await engineRun({
    ...opts,
    onLogWrite: (type, at, ms) => {
      if (type === "task.started") open = at;
      else if (type === "task.finished") taskMs.push(at + ms - open);
    },
  });
  return { ...r, taskMs };
}

const tenth = (xs: number[], which: "first" | "last") => {
  const k = Math.max(1, Math.floor(xs.length / 10));
  return median(which === "first" ? xs.slice(0, k) : xs.slice(-k));
};

export async function benchGrowth(repeats = 3): Promise<string> {
  // Part 1: task count, commit + push per task (what the worker does).
  const byTasks = new Map<number, Measured[]>();
  for (const n of TASKS) {
    // The 1000-task run takes minutes: fewer repeats of it.
    const reps = n >= 1000 ? Math.max(1, Math.floor(repeats / 3)) : repeats;
    for (let i = 0; i < reps; i++) {
      const m = await measured({ tasks: n, push: true, agentCommand: REWRITE_ONE_FILE });
      byTasks.set(n, [...(byTasks.get(n) ?? []), m]);
      process.stderr.write(`growth: ${n} tasks: ${fmt(m.wallMs)} ms, run log ${m.runLogBytes} B\n`);
    }
  }
  const rows = TASKS.map((n) => {
    const ms = byTasks.get(n)!;
    const all = ms.flatMap((m) => m.taskMs);
    return {
      n,
      wall: median(ms.map((m) => m.wallMs)),
      perTask: median(ms.map((m) => m.wallMs)) / n,
      taskMedian: median(all),
      first: median(ms.map((m) => tenth(m.taskMs, "first"))),
      last: median(ms.map((m) => tenth(m.taskMs, "last"))),
      logBytes: median(ms.map((m) => m.runLogBytes)),
    };
  });
  const fit = fitLine(rows.map((r) => [r.n, r.wall]));
  const r10 = rows[0]!;
  const r1000 = rows[rows.length - 1]!;

  // Part 2: run-log size, agents that print `lines` lines per task (each becomes an agent.message event).
  const byLines = new Map<number, Measured[]>();
  for (let i = 0; i < repeats; i++) {
    for (const lines of LINES) {
      const agentCommand = lines > 0 ? `seq 1 ${lines}; ${WRITE_ONE_FILE}` : WRITE_ONE_FILE;
      const m = await measured({ tasks: LOG_TASKS, push: false, agentCommand });
      byLines.set(lines, [...(byLines.get(lines) ?? []), m]);
    }
  }
  const logRows = LINES.map((lines) => {
    const ms = byLines.get(lines)!;
    return {
      lines,
      wall: median(ms.map((m) => m.wallMs)),
      mb: median(ms.map((m) => m.runLogBytes)) / 2 ** 20,
      first: median(ms.map((m) => m.taskMs[0]!)),
      last: median(ms.map((m) => m.taskMs[m.taskMs.length - 1]!)),
    };
  });
  const logFit = fitLine(logRows.map((r) => [r.lines * LOG_TASKS, r.wall]));

  const plotTasks = writePlot(
    "growth-tasks",
    lineChartSvg({
      title: "Cost per task against playbook size (commit + push per task)",
      xLabel: "tasks in the playbook (log scale)",
      yLabel: "ms per task (median)",
      logX: true,
      series: [
        { name: "run wall / tasks", points: rows.map((r) => [r.n, r.perTask]) },
        { name: "first 10% of tasks", points: rows.map((r) => [r.n, r.first]) },
        { name: "last 10% of tasks", points: rows.map((r) => [r.n, r.last]) },
      ],
    }),
  );
  const plotLog = writePlot(
    "growth-runlog",
    lineChartSvg({
      title: `Run wall against run-log size (${LOG_TASKS} tasks)`,
      xLabel: "run log (MB)",
      yLabel: "median wall (ms)",
      series: [{ name: "run wall", points: logRows.map((r) => [r.mb, r.wall]) }],
    }),
  );
  return [
    `Commit + push per task, an agent that rewrites one file (the tree does not grow), ${repeats} repeats (${Math.max(1, Math.floor(repeats / 3))} for 1000 tasks); medians. ` +
      "“First/last 10 %”: the median task.started → task.finished time of the first and the last tenth of the run's tasks.",
    "",
    "| tasks | run wall (ms) | wall / tasks (ms) | median task (ms) | first 10 % (ms) | last 10 % (ms) | run log (KB) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.n} | ${fmt(r.wall)} | ${fmt(r.perTask, 1)} | ${fmt(r.taskMedian, 1)} | ${fmt(r.first, 1)} | ${fmt(r.last, 1)} | ${fmt(r.logBytes / 1024)} |`,
    ),
    "",
    `Fit: ${fmt(fit.slope, 1)} ms per task + ${fmt(fit.intercept)} ms per run (r² ${fmt(fit.r2, 4)}). ` +
      `Per task at 1000 tasks vs 10: ${fmt(r1000.perTask, 1)} / ${fmt(r10.perTask, 1)} ms = **${fmt(r1000.perTask / r10.perTask, 2)}×** ` +
      `(the per-run cost spread over 10 tasks inflates the 10-task figure); median task ${fmt(r1000.taskMedian, 1)} vs ${fmt(r10.taskMedian, 1)} ms = ` +
      `**${fmt(r1000.taskMedian / r10.taskMedian, 2)}×**; in the 1000-task run the last tenth of the tasks takes ${fmt(r1000.last / r1000.first, 2)}× the first tenth.`,
    "",
    `![growth with tasks](${plotTasks})`,
    "",
    `Run-log size: ${LOG_TASKS} tasks, commit only, each agent prints N lines (each line is one \`agent.message\` event: redacted, validated, appended with a synchronous write).`,
    "",
    "| lines per task | run log (MB) | run wall (ms) | first task (ms) | last task (ms) |",
    "| ---: | ---: | ---: | ---: | ---: |",
    ...logRows.map(
      (r) => `| ${r.lines} | ${fmt(r.mb, 2)} | ${fmt(r.wall)} | ${fmt(r.first, 1)} | ${fmt(r.last, 1)} |`,
    ),
    "",
    `Fit: ${fmt(logFit.slope * 1000, 1)} µs per run-log line (r² ${fmt(logFit.r2, 4)}); at the largest size the last task takes ` +
      `${fmt(logRows[logRows.length - 1]!.last / logRows[logRows.length - 1]!.first, 2)}× the first (a log that grows does not make appends slower).`,
    "",
    `![growth with the run log](${plotLog})`,
  ].join("\n");
}
