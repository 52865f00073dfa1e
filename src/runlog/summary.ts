// Fold a run log into a summary, and render it for `maestro logs`.
import { UNNAMED_MODEL } from "../agents/pricing.js";
import type { RunEvent, RunStatus, TaskStatus, Tokens } from "./events.js";

export interface TaskSummary {
  index: number;
  text: string;
  status?: TaskStatus;
  durationMs?: number;
  costUsd?: number;
  sha?: string;
  error?: string;
  /** Files the task's commit changed (0: it changed nothing). */
  filesChanged?: number;
  /** The paths it changed, with lines added and deleted (task.committed). */
  files?: { path: string; added?: number; deleted?: number }[];
  /** The agent's own closing message. */
  summary?: string;
  /** The last result of each verify command. */
  verify?: { command: string; exitCode: number | null; durationMs: number; outputTail: string }[];
}

export interface RunLogSummary {
  runId: string;
  playbook?: string;
  repo?: string;
  branch?: string;
  agent?: string;
  /** "incomplete" when the log has no run.finished (still running, or the process died). */
  status: RunStatus | "incomplete";
  /** Tasks the run set out to do (from run.started / run.finished). */
  tasksTotal?: number;
  /** Tasks done (run.finished's count, else the done tasks in the log). */
  tasksDone: number;
  tasks: TaskSummary[];
  costUsd: number;
  tokens: Tokens;
  durationMs?: number;
  prUrl?: string;
  error?: string;
  /** Models used without a price: costUsd leaves their tokens out. */
  unpricedModels?: string[];
}

export function summarizeRunLog(events: RunEvent[]): RunLogSummary {
  const tasks = new Map<number, TaskSummary>();
  // agent.usage is cumulative per session: keep the latest per task.
  const usage = new Map<number, { costUsd: number; tokens: Tokens }>();
  const s: RunLogSummary = {
    runId: events[0]?.runId ?? "",
    status: "incomplete",
    tasksDone: 0,
    tasks: [],
    costUsd: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  };
  let finished = false;
  const unpriced = new Set<string>();
  const task = (index: number): TaskSummary => {
    let t = tasks.get(index);
    if (!t) tasks.set(index, (t = { index, text: "" }));
    return t;
  };
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  for (const e of ordered) {
    switch (e.type) {
      case "run.started":
        Object.assign(s, {
          playbook: e.playbook,
          repo: e.repo,
          branch: e.branch,
          agent: e.agent,
          tasksTotal: e.tasksTotal,
        });
        break;
      case "task.started": {
        const t = task(e.index);
        t.text = e.text;
        // A resumed task starts over.
        delete t.status;
        delete t.error;
        delete t.verify;
        break;
      }
      case "agent.usage":
        if (e.priced === false) unpriced.add(e.model ?? UNNAMED_MODEL);
        usage.set(e.index, {
          costUsd: e.costUsd,
          tokens: {
            input: e.inputTokens,
            output: e.outputTokens,
            cacheRead: e.cacheReadTokens,
            cacheWrite: e.cacheWriteTokens,
          },
        });
        break;
      case "task.committed":
        Object.assign(task(e.index), {
          sha: e.sha,
          filesChanged: e.filesChanged,
          ...(e.files ? { files: e.files } : {}),
        });
        break;
      case "task.verify": {
        const t = task(e.index);
        const run = {
          command: e.command,
          exitCode: e.exitCode,
          durationMs: e.durationMs,
          outputTail: e.outputTail,
        };
        t.verify = [...(t.verify ?? []).filter((v) => v.command !== e.command), run];
        break;
      }
      case "task.finished": {
        const t = task(e.index);
        // A later attempt of the same run skips what an earlier one did: keep that outcome.
        if (e.status === "skipped" && t.status !== undefined) break;
        t.status = e.status;
        t.durationMs = e.durationMs;
        t.costUsd = e.costUsd;
        if (e.error !== undefined) t.error = e.error;
        if (e.filesChanged !== undefined) t.filesChanged = e.filesChanged;
        if (e.summary !== undefined) t.summary = e.summary;
        break;
      }
      case "run.finished":
        // A log may hold several attempts of one run (a retried job appends): the last one says how it
        // ended; spend and time add up, since each attempt reports only its own.
        s.status = e.status;
        s.tasksTotal = e.tasksTotal;
        s.tasksDone = e.tasksDone;
        s.costUsd = (finished ? s.costUsd : 0) + e.costUsd;
        s.tokens = finished
          ? {
              input: s.tokens.input + e.tokens.input,
              output: s.tokens.output + e.tokens.output,
              cacheRead: s.tokens.cacheRead + e.tokens.cacheRead,
              cacheWrite: s.tokens.cacheWrite + e.tokens.cacheWrite,
            }
          : { ...e.tokens };
        s.durationMs = (finished ? (s.durationMs ?? 0) : 0) + e.durationMs;
        finished = true;
        if (e.prUrl !== undefined) s.prUrl = e.prUrl;
        if (e.error !== undefined) s.error = e.error;
        for (const m of e.unpricedModels ?? []) unpriced.add(m);
        break;
      default:
        break;
    }
  }
  s.tasks = [...tasks.values()].sort((a, b) => a.index - b.index);
  if (unpriced.size > 0) s.unpricedModels = [...unpriced];
  if (!finished) {
    // No totals written: add up what the log shows.
    s.tasksDone = s.tasks.filter((t) => t.status === "done").length;
    for (const t of s.tasks) {
      const u = usage.get(t.index);
      s.costUsd += t.costUsd ?? u?.costUsd ?? 0;
    }
    for (const u of usage.values()) {
      s.tokens.input += u.tokens.input;
      s.tokens.output += u.tokens.output;
      s.tokens.cacheRead += u.tokens.cacheRead;
      s.tokens.cacheWrite += u.tokens.cacheWrite;
    }
    if (ordered.length > 1) {
      const first = Date.parse(ordered[0]!.ts);
      const last = Date.parse(ordered[ordered.length - 1]!.ts);
      if (Number.isFinite(first) && Number.isFinite(last)) s.durationMs = last - first;
    }
  }
  return s;
}

const ANSI = {
  green: "\x1b[32m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  dim: "\x1b[2m",
  bold: "\x1b[1m",
  reset: "\x1b[0m",
};
type Paint = (c: keyof typeof ANSI, s: string) => string;

const TASK_MARK: Record<TaskStatus | "pending", [string, keyof typeof ANSI]> = {
  done: ["✓", "green"],
  failed: ["✗", "red"],
  timeout: ["⏱", "red"],
  stalled: ["⏸", "red"],
  cancelled: ["⊘", "yellow"],
  skipped: ["↷", "dim"],
  pending: ["…", "dim"],
};

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m}m ${rest}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

export function formatRunLogSummary(summary: RunLogSummary, opts: { color?: boolean } = {}): string {
  const paint: Paint = opts.color ? (c, s) => `${ANSI[c]}${s}${ANSI.reset}` : (_c, s) => s;
  const statusColor: keyof typeof ANSI =
    summary.status === "succeeded" ? "green" : summary.status === "incomplete" ? "yellow" : "red";
  const out: string[] = [];
  out.push(`${paint("bold", `Run ${summary.runId || "(unknown)"}`)}  ${paint(statusColor, summary.status)}`);
  const facts = [
    summary.playbook && `playbook ${summary.playbook}`,
    summary.repo && `repo ${summary.repo}`,
    summary.branch && `branch ${summary.branch}`,
    summary.agent && `agent ${summary.agent}`,
  ].filter(Boolean);
  if (facts.length) out.push(facts.join("  ·  "));
  out.push("");
  const counts = summary.tasksTotal !== undefined ? ` (${summary.tasksDone}/${summary.tasksTotal} done)` : "";
  out.push(summary.tasks.length ? `Tasks${counts}:` : "Tasks: none recorded");
  for (const t of summary.tasks) {
    const [mark, color] = TASK_MARK[t.status ?? "pending"];
    const details = [
      t.status ?? "not finished",
      t.durationMs !== undefined ? formatDuration(t.durationMs) : undefined,
      t.costUsd !== undefined ? formatUsd(t.costUsd) : undefined,
      t.sha ? t.sha.slice(0, 7) : undefined,
      t.filesChanged === 0 ? "changed no file" : undefined,
    ].filter(Boolean);
    out.push(
      `  ${paint(color, mark)} #${t.index} ${oneLine(t.text)}  ${paint("dim", `(${details.join(", ")})`)}`,
    );
    if (t.error) out.push(`      ${paint("red", oneLine(t.error))}`);
  }
  out.push("");
  const tk = summary.tokens;
  const parts = [
    `Cost: ${formatUsd(summary.costUsd)}${summary.unpricedModels ? ` + unknown (no price for ${summary.unpricedModels.join(", ")})` : ""}`,
    `Tokens: ${tk.input} in / ${tk.output} out (cache ${tk.cacheRead} read, ${tk.cacheWrite} write)`,
  ];
  if (summary.durationMs !== undefined) parts.push(`Duration: ${formatDuration(summary.durationMs)}`);
  out.push(parts.join("   "));
  if (summary.error) out.push(`Error: ${oneLine(summary.error)}`);
  if (summary.prUrl) out.push(`PR: ${summary.prUrl}`);
  return out.join("\n") + "\n";
}

function oneLine(s: string, max = 200): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
