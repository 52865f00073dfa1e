// A run's progress as the status comment shows it while the run works, folded from its run-log events
// (issue 14 §5: what GitHub shows is computed from the events by pure functions). No I/O here: the worker
// feeds every event in and renders the state whenever `apply` says the comment should change.
import { UNNAMED_MODEL } from "../agents/pricing.js";
import type { RunEvent } from "../runlog/events.js";
import type { SummaryTask } from "../github/run-summary.js";

export interface RunProgress {
  tasks: SummaryTask[];
  /** The task being worked on. */
  current?: number;
  /** Finished tasks' cost plus the live session's. */
  costUsd: number;
  tokens: { input: number; output: number };
  unpricedModels: string[];
  tasksFinished: number;
}

interface State {
  tasks: SummaryTask[];
  byIndex: Map<number, SummaryTask>;
  current?: number;
  doneCost: number;
  liveCost: number;
  doneTokens: { input: number; output: number };
  liveTokens: { input: number; output: number };
  unpriced: Set<string>;
}

export interface ProgressFold {
  /** Takes one event; true when the status comment should show the change. */
  apply(e: RunEvent): boolean;
  /** The progress now. */
  view(): RunProgress;
}

/** Progress of the run's unfinished tasks (`tasks`: index and text, in order), from the events that follow. */
export function foldProgress(tasks: { index: number; text: string }[]): ProgressFold {
  const s: State = {
    tasks: tasks.map((t) => ({ index: t.index, text: t.text })),
    byIndex: new Map(),
    doneCost: 0,
    liveCost: 0,
    doneTokens: { input: 0, output: 0 },
    liveTokens: { input: 0, output: 0 },
    unpriced: new Set(),
  };
  for (const t of s.tasks) s.byIndex.set(t.index, t);
  return {
    apply: (e) => apply(s, e),
    view: () => ({
      tasks: s.tasks,
      ...(s.current !== undefined ? { current: s.current } : {}),
      costUsd: s.doneCost + s.liveCost,
      tokens: {
        input: s.doneTokens.input + s.liveTokens.input,
        output: s.doneTokens.output + s.liveTokens.output,
      },
      unpricedModels: [...s.unpriced],
      tasksFinished: s.tasks.filter((t) => t.status).length,
    }),
  };
}

function apply(s: State, e: RunEvent): boolean {
  switch (e.type) {
    case "task.started":
      s.current = e.index;
      s.liveCost = 0;
      delete s.byIndex.get(e.index)?.status;
      return true;
    case "agent.usage":
      // Usage events carry the session's running totals.
      s.liveCost = e.costUsd;
      s.liveTokens = { input: e.inputTokens, output: e.outputTokens };
      if (e.priced === false) s.unpriced.add(e.model ?? UNNAMED_MODEL);
      return true;
    case "task.committed": {
      const t = s.byIndex.get(e.index);
      if (t) Object.assign(t, { sha: e.sha, filesChanged: e.filesChanged });
      return false;
    }
    case "task.finished":
      return finishTask(s, e);
    default:
      return false;
  }
}

function finishTask(s: State, e: Extract<RunEvent, { type: "task.finished" }>): boolean {
  const t = s.byIndex.get(e.index);
  if (t) {
    Object.assign(t, { status: e.status, costUsd: e.costUsd, durationMs: e.durationMs });
    if (e.error) t.error = e.error;
  }
  s.doneCost += e.costUsd;
  s.liveCost = 0;
  s.doneTokens = {
    input: s.doneTokens.input + s.liveTokens.input,
    output: s.doneTokens.output + s.liveTokens.output,
  };
  s.liveTokens = { input: 0, output: 0 };
  s.current = undefined;
  // A task skipped as done earlier changes nothing worth an edit.
  return e.status !== "skipped";
}
