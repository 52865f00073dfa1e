// Orchestration cost per task and per run: the engine with an agent that only writes one file, so what is
// measured is everything but the agent's own work: worktree, prompt, agent spawn, git add/diff/commit,
// the checkpoint push to a local bare remote (the worker's onTaskCommitted), run-log writes.
// Target (TARGETS.md): ≤ 40 ms per task + ≤ 300 ms per run, linear in task count. The worker pushes while
// the next agent works, so its critical path is the commit-only runs; the target is about what is not the
// agent, so each of those runs also reports its wall minus its agents' processes (spawn → exit).
import { execFileSync } from "node:child_process";
import os from "node:os";
import { timeChildProcesses, type ChildTiming } from "./lib/child-timer.js";
import { engineRun, WRITE_ONE_FILE } from "./lib/engine-run.js";
import { fitLine, fmt, median } from "./lib/stats.js";
import { lineChartSvg, writePlot } from "./lib/svg.js";

const SIZES = [1, 5, 10, 20];
const AGENT_MS = 5000;

function spawnAlone(times: number): number {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    execFileSync("sh", ["-c", WRITE_ONE_FILE], {
      cwd: os.tmpdir(),
      env: { MAESTRO_TASK_INDEX: "0", PATH: process.env.PATH ?? "" },
    });
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** The agent's process: `sh -c AGENT`, or bwrap around it in the sandbox (BENCH_SANDBOX=1). */
function isAgent(label: string): boolean {
  return label === "sh" || label.endsWith("/bwrap");
}

/** The agents' processes (`sh -c AGENT`, spawn → exit), summed. */
function agentProcessMs(timings: ChildTiming[]): number {
  return timings.filter((t) => isAgent(t.label)).reduce((s, t) => s + t.ms, 0);
}

interface Breakdown {
  /** Median of task.started → task.finished. */
  taskMs: number;
  /** Median time between one task.finished and the next task.started. */
  gapMs: number;
  /** A task's timeline, phase by phase: median and mean per task. */
  phases: Array<{ label: string; medianMs: number; msPerTask: number }>;
  /** The agent's spawn call (fork + exec while the event loop waits), median. */
  agentSyncMs: number;
  /** Child processes other than the agent and the commit helper started inside tasks (expected: none). */
  otherInTask: Array<{ label: string; callsPerTask: number; msPerTask: number }>;
  /** The commit helper: helpers per run and the median of its spawn call. */
  helper: { perRun: number; syncMs: number };
  logMsPerTask: number;
  perRun: Array<{ label: string; calls: number; ms: number }>;
}

const HELPER = "sh maestro-commit";

/** Runs of `tasks` tasks without push (the worker's critical path), every child process and run-log write timed. */
async function breakdown(tasks: number, runs: number): Promise<Breakdown> {
  const taskMs: number[] = [];
  const gapMs: number[] = [];
  const phase: Record<"before" | "agent" | "commit" | "after", number[]> = {
    before: [],
    agent: [],
    commit: [],
    after: [],
  };
  const agentSync: number[] = [];
  const helpers: ChildTiming[] = [];
  const otherInTask: ChildTiming[] = [];
  const outside: ChildTiming[] = [];
  let logMs = 0;
  for (let i = 0; i < runs; i++) {
    const spans: Array<{ start: number; committed: number; end: number }> = [];
    let open = 0;
    let committed = 0;
    let lastEnd = 0;
    const timer = timeChildProcesses();
    try {
      await engineRun({
        tasks,
        push: false,
        onLogWrite: (type, at, ms) => {
          logMs += ms;
          if (type === "task.started") {
            open = at;
            if (lastEnd) gapMs.push(at - lastEnd);
          } else if (type === "task.committed") {
            committed = at;
          } else if (type === "task.finished") {
            lastEnd = at + ms;
            spans.push({ start: open, committed, end: lastEnd });
            taskMs.push(lastEnd - open);
          }
        },
      });
    } finally {
      timer.restore();
    }
    const within = (t: ChildTiming) => spans.find((sp) => t.start >= sp.start && t.start <= sp.end);
    for (const t of timer.timings) {
      if (t.label === HELPER) helpers.push(t);
      else if (!isAgent(t.label)) (within(t) ? otherInTask : outside).push(t);
    }
    for (const sp of spans) {
      const agent = timer.timings.find((t) => isAgent(t.label) && t.start >= sp.start && t.start <= sp.end);
      if (!agent) continue;
      phase.before.push(agent.start - sp.start);
      phase.agent.push(agent.ms);
      phase.commit.push(sp.committed - (agent.start + agent.ms));
      phase.after.push(sp.end - sp.committed);
      agentSync.push(agent.syncMs);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const labels: Record<keyof typeof phase, string> = {
    before: "task.started → agent spawned: prompt, its temp file, the log line",
    agent: "the agent's process (`sh -c`, spawn → exit)",
    commit:
      "agent exited → task.committed: prompt file removed, usage logged, stage + protected-paths check + commit (helper requests)",
    after: "task.committed → task.finished: two log lines (no push here)",
  };
  const group = (ts: ChildTiming[]) => {
    const m = new Map<string, ChildTiming[]>();
    for (const t of ts) m.set(t.label, [...(m.get(t.label) ?? []), t]);
    return m;
  };
  const perRun = [...group(outside)].map(([label, ts]) => ({
    label,
    calls: ts.length / runs,
    ms: ts.reduce((s, t) => s + t.ms, 0) / runs,
  }));
  perRun.sort((a, b) => b.ms - a.ms);
  return {
    taskMs: median(taskMs),
    gapMs: median(gapMs),
    phases: (Object.keys(phase) as Array<keyof typeof phase>).map((k) => ({
      label: labels[k],
      medianMs: median(phase[k]),
      msPerTask: mean(phase[k]),
    })),
    agentSyncMs: median(agentSync),
    otherInTask: [...group(otherInTask)].map(([label, ts]) => ({
      label,
      callsPerTask: ts.length / (runs * tasks),
      msPerTask: ts.reduce((s, t) => s + t.ms, 0) / (runs * tasks),
    })),
    helper: { perRun: helpers.length / runs, syncMs: median(helpers.map((t) => t.syncMs)) },
    logMsPerTask: logMs / (runs * tasks),
    perRun,
  };
}

/** One real run with an agent that takes 5 s per task: wall minus the agents' own time. */
async function fiveSecondRun(tasks: number): Promise<{ wallMs: number; agentMs: number }> {
  const timer = timeChildProcesses();
  try {
    const r = await engineRun({ tasks, push: false, agentCommand: `sleep 5; ${WRITE_ONE_FILE}` });
    const agentMs = agentProcessMs(timer.timings);
    return { wallMs: r.wallMs, agentMs };
  } finally {
    timer.restore();
  }
}

export async function benchOrchestration(
  repeats = 5,
  opts: { fiveSecondRun?: boolean } = {},
): Promise<string> {
  const agentAlone = spawnAlone(repeats * 4);
  await engineRun({ tasks: 2, push: true }); // warm-up
  const walls = {
    plain: new Map<number, number[]>(),
    noAgent: new Map<number, number[]>(),
    push: new Map<number, number[]>(),
  };
  const add = (m: Map<number, number[]>, n: number, ms: number) => m.set(n, [...(m.get(n) ?? []), ms]);
  // Interleaved: each repeat runs every size with and without push, so drift hits both alike.
  for (let i = 0; i < repeats; i++) {
    for (const n of SIZES) {
      for (const mode of ["plain", "push"] as const) {
        const timer = timeChildProcesses();
        let r: Awaited<ReturnType<typeof engineRun>>;
        try {
          r = await engineRun({ tasks: n, push: mode === "push" });
        } finally {
          timer.restore();
        }
        add(walls[mode], n, r.wallMs);
        if (mode === "plain") add(walls.noAgent, n, r.wallMs - agentProcessMs(timer.timings));
      }
    }
  }
  const rows = SIZES.map((n) => ({
    n,
    plain: median(walls.plain.get(n)!),
    noAgent: median(walls.noAgent.get(n)!),
    push: median(walls.push.get(n)!),
  }));
  const fitPlain = fitLine(rows.map((r) => [r.n, r.plain]));
  const fitNoAgent = fitLine(rows.map((r) => [r.n, r.noAgent]));
  const fitPush = fitLine(rows.map((r) => [r.n, r.push]));
  const met = (f: { slope: number; intercept: number }) =>
    f.slope <= 40 && f.intercept <= 300 ? "met" : "**not met**";
  const b = await breakdown(20, Math.max(2, Math.min(repeats, 3)));
  const perTask = fitNoAgent.slope;
  const share = perTask / (perTask + AGENT_MS);
  const plot = writePlot(
    "orchestration",
    lineChartSvg({
      title: "Engine wall time with a no-op agent",
      xLabel: "tasks in the playbook",
      yLabel: "median wall (ms)",
      series: [
        { name: "commit per task", points: rows.map((r) => [r.n, r.plain]) },
        { name: "commit, agents' processes excluded", points: rows.map((r) => [r.n, r.noAgent]) },
        { name: "commit + push per task", points: rows.map((r) => [r.n, r.push]) },
      ],
    }),
  );
  const lines = [
    `${repeats} repeats per size, sizes interleaved; medians.`,
    "",
    "| tasks | commit per task (ms) | the same minus the agents' processes (ms) | commit + push per task (ms) |",
    "| ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.n} | ${fmt(r.plain)} | ${fmt(r.noAgent)} | ${fmt(r.push)} |`),
    "",
    `Fit, commit only (the worker's critical path: its push overlaps the next agent): **${fmt(fitPlain.slope, 1)} ms per task + ${fmt(fitPlain.intercept)} ms per run** (r² ${fmt(fitPlain.r2, 3)}); ` +
      `target ≤ 40 ms per task + ≤ 300 ms per run: ${met(fitPlain)}.`,
    `Fit, commit only without the agents' own processes (each run's wall minus its \`sh -c\` agents, spawn → exit): **${fmt(fitNoAgent.slope, 1)} ms per task + ${fmt(fitNoAgent.intercept)} ms per run** (r² ${fmt(fitNoAgent.r2, 3)}); ` +
      `target: ${met(fitNoAgent)}.`,
    `Fit, commit + push after each commit, waited for (this bench's onTaskCommitted): ${fmt(fitPush.slope, 1)} ms per task + ${fmt(fitPush.intercept)} ms per run (r² ${fmt(fitPush.r2, 3)}); ` +
      `the push adds ${fmt(fitPush.slope - fitPlain.slope, 1)} ms per task.`,
    `The agent alone (\`sh -c\` writing one file, spawned by itself): median ${fmt(agentAlone, 1)} ms.`,
    "",
    `With an agent that takes 5 s per task, the orchestration's share of wall time is ${fmt(perTask, 1)} / (${fmt(perTask, 1)} + 5000) = **${fmt(100 * share, 2)} %** per task ` +
      `(${fmt((100 * (perTask * 3 + fitNoAgent.intercept)) / (perTask * 3 + fitNoAgent.intercept + 3 * AGENT_MS), 2)} % of a 3-task run with the per-run cost).`,
    "",
    `Where a task's time goes: 20-task runs, commit only, every child process timed from the spawn call to its exit, ` +
      `every run-log write timed. A task (task.started → task.finished) takes ${fmt(b.taskMs, 1)} ms (median) in these runs, ` +
      `plus ${fmt(b.gapMs, 1)} ms between tasks.`,
    "",
    "| phase of a task | median (ms) | mean per task (ms) |",
    "| --- | ---: | ---: |",
    ...b.phases.map((x) => `| ${x.label} | ${fmt(x.medianMs, 1)} | ${fmt(x.msPerTask, 1)} |`),
    "",
    `Of the agent's process, the spawn call itself (fork + exec, the event loop waits) takes ${fmt(b.agentSyncMs, 1)} ms (median). ` +
      `Run-log writes (sync appends, 5 lines a task) take ${fmt(b.logMsPerTask, 2)} ms per task in all. ` +
      `The commit helper (\`${HELPER}\`): ${fmt(b.helper.perRun, 1)} per run, its spawn call ${fmt(b.helper.syncMs, 1)} ms, then it lives until the run ends. ` +
      (b.otherInTask.length
        ? `Other processes inside tasks: ${b.otherInTask.map((x) => `\`${x.label}\` ${fmt(x.callsPerTask, 1)} per task, ${fmt(x.msPerTask, 1)} ms per task`).join("; ")}.`
        : "No other process starts inside a task."),
    "",
    "Per run (once per run, whatever the task count):",
    "",
    "| step | calls | ms |",
    "| --- | ---: | ---: |",
    ...b.perRun.map((x) => `| \`${x.label}\` | ${fmt(x.calls, 1)} | ${fmt(x.ms, 1)} |`),
    "",
    `![orchestration](${plot})`,
  ];
  if (opts.fiveSecondRun) {
    const r = await fiveSecondRun(3);
    const overhead = r.wallMs - r.agentMs;
    lines.push(
      "",
      `One real run of 3 tasks with an agent that sleeps 5 s (\`sleep 5\` then writes its file), commit only: wall ${fmt(r.wallMs)} ms, ` +
        `the agents' processes ${fmt(r.agentMs)} ms, so the orchestration took ${fmt(overhead)} ms = **${fmt((100 * overhead) / r.wallMs, 2)} %** of the wall ` +
        `(the fit without the agents' processes predicts ${fmt(fitNoAgent.intercept + 3 * fitNoAgent.slope)} ms).`,
    );
  }
  return lines.join("\n");
}
