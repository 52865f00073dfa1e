// Markdown for a run as GitHub shows it: the status comment while running and at the end, and the
// draft PR's body. Pure functions.
import { statusMarker } from "./status-comment.js";

export interface SummaryTask {
  index: number;
  text: string;
  status?: string;
  costUsd?: number;
  durationMs?: number;
  sha?: string;
  error?: string;
}

export interface RunSummaryInput {
  runId: string;
  playbook: string;
  status: string;
  branch: string;
  tasks: SummaryTask[];
  tasksDone: number;
  tasksTotal: number;
  costUsd: number;
  tokens?: { input: number; output: number; cacheRead: number; cacheWrite: number };
  durationMs?: number;
  /** Link to the JSONL run log, when MAESTRO_PUBLIC_URL is set. */
  logUrl?: string;
  prUrl?: string;
  error?: string;
  actor?: string;
}

const STATUS_TEXT: Record<string, string> = {
  succeeded: "✅ succeeded",
  failed: "❌ failed",
  cancelled: "⏹️ cancelled",
  budget_exceeded: "💸 stopped: cost cap reached",
  timeout: "⏱️ timed out",
};

const TASK_TEXT: Record<string, string> = {
  done: "✅ done",
  skipped: "✅ done earlier",
  failed: "❌ failed",
  timeout: "⏱️ timed out",
  cancelled: "⏹️ cancelled",
};

export function usd(n: number): string {
  return `$${n.toFixed(n > 0 && n < 0.01 ? 4 : 2)}`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** One line of table text: no pipes or newlines from task text or errors can break the table. */
function cell(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderTaskTable(tasks: SummaryTask[]): string {
  const lines = ["| # | task | status | cost | time | commit |", "| --- | --- | --- | --- | --- | --- |"];
  for (const t of tasks) {
    const status = t.status ? (TASK_TEXT[t.status] ?? t.status) : "⏳ pending";
    lines.push(
      `| ${t.index + 1} | ${cell(t.text)} | ${status}${t.error ? `: ${cell(t.error, 160)}` : ""} | ${t.costUsd !== undefined ? usd(t.costUsd) : "–"} | ${duration(t.durationMs)} | ${t.sha ? `\`${t.sha.slice(0, 7)}\`` : "–"} |`,
    );
  }
  return lines.join("\n");
}

function totals(s: RunSummaryInput): string {
  const tok = s.tokens;
  const tokens = tok
    ? `, tokens ${tok.input} in / ${tok.output} out (cache ${tok.cacheRead} read, ${tok.cacheWrite} written)`
    : "";
  return `${s.tasksDone}/${s.tasksTotal} tasks done, cost ${usd(s.costUsd)}${tokens}, ${duration(s.durationMs)}.`;
}

export function renderRunningComment(input: {
  runId: string;
  playbook: string;
  branch: string;
  tasks: SummaryTask[];
  current?: number;
  tasksTotal: number;
  costUsd: number;
  agent?: string;
  actor?: string;
  elapsedMs?: number;
  tokens?: { input: number; output: number };
}): string {
  const finished = input.tasks.filter((t) => t.status !== undefined).length;
  const who = [
    input.agent ? `agent \`${input.agent}\`` : "",
    input.actor ? `requested by @${input.actor}` : "",
  ].filter(Boolean);
  const lines = [
    statusMarker(input.runId),
    `### Maestro run \`${input.runId}\`: running`,
    "",
    `Playbook \`${input.playbook}\` on branch \`${input.branch}\`${who.length ? ` (${who.join(", ")})` : ""}: ` +
      (input.current !== undefined
        ? `task ${Math.min(finished + 1, input.tasksTotal)}/${input.tasksTotal}`
        : `${finished}/${input.tasksTotal} tasks`) +
      (input.elapsedMs !== undefined ? `, ${duration(input.elapsedMs)} elapsed` : "") +
      (input.tokens ? `, tokens ${input.tokens.input} in / ${input.tokens.output} out` : "") +
      `, cost so far ${usd(input.costUsd)}.`,
    "",
    renderTaskTable(input.tasks),
    "",
    `- Cancel it: \`/maestro cancel ${input.runId}\``,
    "",
  ];
  return lines.join("\n");
}

/** The status comment of a run held back by the repo's maxConcurrentRuns. */
export function renderWaitingComment(input: {
  runId: string;
  playbook: string;
  running: number;
  maxConcurrentRuns: number;
}): string {
  return [
    statusMarker(input.runId),
    `### Maestro run \`${input.runId}\`: waiting`,
    "",
    `Playbook \`${input.playbook}\` waits for a free slot: ${input.running} run(s) of this repository are running, ` +
      `the most allowed (\`limits.maxConcurrentRuns\`: ${input.maxConcurrentRuns}). It starts by itself when one ends.`,
    "",
    `- Cancel it: \`/maestro cancel ${input.runId}\``,
    "",
  ].join("\n");
}

export function renderFinishedComment(s: RunSummaryInput): string {
  const lines = [
    statusMarker(s.runId),
    `### Maestro run \`${s.runId}\`: ${STATUS_TEXT[s.status] ?? s.status}`,
    "",
    `Playbook \`${s.playbook}\`: ${totals(s)}`,
  ];
  if (s.error) lines.push("", `> ${cell(s.error, 600)}`);
  if (s.prUrl) lines.push("", `Draft pull request: ${s.prUrl}`);
  else if (s.tasksDone === 0) lines.push("", "Nothing was committed, so no pull request was opened.");
  lines.push("", renderTaskTable(s.tasks));
  if (s.logUrl) lines.push("", `Run log: ${s.logUrl}`);
  if (s.status !== "succeeded")
    lines.push("", `Resume it from its first unfinished task: \`/maestro retry ${s.runId}\``);
  lines.push("");
  return lines.join("\n");
}

export function renderPullRequestBody(
  s: RunSummaryInput & { issueNumber: number; isPullRequest: boolean },
): string {
  const lines = [
    `Maestro ran playbook \`${s.playbook}\`${s.isPullRequest ? "" : ` for #${s.issueNumber}`}${s.actor ? ` at the request of @${s.actor}` : ""}. Review the commits (one per task) before merging; Maestro never merges.`,
    "",
    `**${STATUS_TEXT[s.status] ?? s.status}**: ${totals(s)}`,
    "",
    renderTaskTable(s.tasks),
    "",
    `Run \`${s.runId}\`, branch \`${s.branch}\`.` + (s.logUrl ? ` Run log: ${s.logUrl}` : ""),
    ...(s.isPullRequest ? [] : ["", `Refs #${s.issueNumber}`]),
    "",
    `<!-- maestro:pr:${s.runId} -->`,
    "",
  ];
  return lines.join("\n");
}
