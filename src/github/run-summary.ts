// Markdown for a run as GitHub shows it: the status comment while running and at the end, and the
// draft PR's body. Pure functions.
//
// Every text fits GitHub's size limit (body-limits.ts): a long task table collapses to the rows that
// matter — the running task, failed ones, the first and last few — and one "…" row per gap says how
// many tasks it stands for and how they ended; the run log has every task.
import { BODY_BUDGET_BYTES, fitBody, truncateText, utf8Bytes } from "./body-limits.js";
import { statusMarker } from "./status-comment.js";
import { renderTaskDetails, type TaskDetail } from "./task-details.js";

export interface SummaryTask extends TaskDetail {
  index: number;
  text: string;
  status?: string;
  costUsd?: number;
  durationMs?: number;
  sha?: string;
  error?: string;
  /** Files the task's commit changed (0: it changed nothing, said in the table). */
  filesChanged?: number;
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
  /** Link to the live run page (served by `maestro serve`), when MAESTRO_PUBLIC_URL is set. */
  pageUrl?: string;
  prUrl?: string;
  error?: string;
  actor?: string;
  /** Models used without a price: the cost shown leaves their tokens out, and says so. */
  unpricedModels?: string[];
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
  stalled: "⏸️ stalled (no output)",
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

/**
 * One line of table text: no pipes or newlines from task text or errors can break the table, and no
 * HTML comment in them hides text or passes for one of Maestro's markers. Cut between characters,
 * never inside one.
 */
export function cell(text: string, max = 120): string {
  const flat = truncateText(text.replace(/\s+/g, " ").trim(), max);
  // A pipe is escaped; the backslashes before it are doubled, so it shows as typed whether a renderer
  // reads `\\|` as an escaped backslash or as an escaped pipe.
  return flat.replace(/<!--/g, "&lt;!--").replace(/(\\*)\|/g, (_m, bs: string) => `${bs}${bs}\\|`);
}

const TABLE_HEAD = ["| # | task | status | cost | time | commit |", "| --- | --- | --- | --- | --- | --- |"];
/** A table up to this many tasks is shown whole (when it fits); a longer one is collapsed. */
export const FULL_TABLE_MAX_ROWS = 100;
/** Task rows a collapsed table shows at most, besides its "…" rows. */
export const COLLAPSED_MAX_ROWS = 60;
const HEAD_ROWS = 5;
const TAIL_ROWS = 5;
const AROUND_CURRENT = 2;
const DONE = new Set(["done", "skipped"]);

export interface TaskTableOptions {
  /** Budget for the table, in UTF-8 bytes. */
  maxBytes?: number;
  /** Index (SummaryTask.index) of the task being worked on. */
  current?: number;
  /** The run log, linked from the "…" rows. */
  logUrl?: string;
  /** Tasks beyond which the table is collapsed even when it would fit. */
  maxRows?: number;
}

function taskRow(t: SummaryTask, running: boolean): string {
  const ended = t.status ? cell(TASK_TEXT[t.status] ?? t.status, 40) : running ? "▶️ running" : "⏳ pending";
  const status = t.filesChanged === 0 ? `${ended} · ⚠️ changed no file` : ended;
  return `| ${t.index + 1} | ${cell(t.text)} | ${status}${t.error ? `: ${cell(t.error, 160)}` : ""} | ${t.costUsd !== undefined ? usd(t.costUsd) : "–"} | ${duration(t.durationMs)} | ${t.sha ? `\`${t.sha.slice(0, 7)}\`` : "–"} |`;
}

/** The "…" row standing for hidden tasks: how many, which, how they ended. */
function gapRow(hidden: SummaryTask[], current: number | undefined, logUrl: string | undefined): string {
  const counts = new Map<string, number>();
  for (const t of hidden) {
    const k = t.status
      ? DONE.has(t.status)
        ? "done"
        : (TASK_TEXT[t.status]?.replace(/^\S+ /, "") ?? cell(t.status, 20))
      : t.index === current
        ? "running"
        : "pending";
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const parts = [...counts].map(([k, n]) => `${n} ${k}`);
  const how = counts.size === 1 ? `all ${[...counts.keys()][0]}` : parts.join(", ");
  const first = hidden[0]!.index + 1;
  const last = hidden[hidden.length - 1]!.index + 1;
  const which = first === last ? `${first}` : `${first}–${last}`;
  const n = hidden.length;
  // A link only when nothing in the URL could break the row or the link.
  const log = logUrl && !/[\s|()<>\\[\]]/.test(logUrl) ? `[run log](${logUrl})` : "run log";
  return `| … | … ${n} more task${n === 1 ? "" : "s"} (${which}): ${how} — see the ${log} | | | | |`;
}

/** Positions worth a row, most important first. */
function rowsThatMatter(tasks: SummaryTask[], current: number | undefined): number[] {
  const order: number[] = [];
  const add = (i: number) => {
    if (i >= 0 && i < tasks.length && !order.includes(i)) order.push(i);
  };
  const cur = current === undefined ? -1 : tasks.findIndex((t) => t.index === current);
  add(cur);
  const budgetForProblems = COLLAPSED_MAX_ROWS - (HEAD_ROWS + TAIL_ROWS + 2 * AROUND_CURRENT + 1);
  let problems = 0;
  for (let i = 0; i < tasks.length && problems < budgetForProblems; i++) {
    const st = tasks[i]!.status;
    if ((st !== undefined && !DONE.has(st)) || tasks[i]!.filesChanged === 0) {
      add(i);
      problems++;
    }
  }
  if (cur >= 0) for (let d = 1; d <= AROUND_CURRENT; d++) [cur - d, cur + d].forEach(add);
  for (let i = 0; i < HEAD_ROWS; i++) add(i);
  for (let i = tasks.length - TAIL_ROWS; i < tasks.length; i++) add(i);
  return order.slice(0, COLLAPSED_MAX_ROWS);
}

function collapsedTable(
  tasks: SummaryTask[],
  shown: number[],
  current: number | undefined,
  logUrl: string | undefined,
): string {
  const keep = new Set(shown);
  const lines = [...TABLE_HEAD];
  let gap: SummaryTask[] = [];
  tasks.forEach((t, i) => {
    if (!keep.has(i)) {
      gap.push(t);
      return;
    }
    if (gap.length) lines.push(gapRow(gap, current, logUrl));
    gap = [];
    lines.push(taskRow(t, t.index === current));
  });
  if (gap.length) lines.push(gapRow(gap, current, logUrl));
  return lines.join("\n");
}

/**
 * The task table, whole when it has at most `maxRows` tasks and fits `maxBytes`; otherwise collapsed
 * to the rows that matter, with "…" rows for the rest.
 */
export function renderTaskTable(tasks: SummaryTask[], opts: TaskTableOptions = {}): string {
  const maxBytes = opts.maxBytes ?? BODY_BUDGET_BYTES - 2_000;
  const { current, logUrl } = opts;
  if (tasks.length <= (opts.maxRows ?? FULL_TABLE_MAX_ROWS)) {
    const full = [...TABLE_HEAD, ...tasks.map((t) => taskRow(t, t.index === current))].join("\n");
    if (utf8Bytes(full) <= maxBytes) return full;
  }
  const order = rowsThatMatter(tasks, current);
  // Fewer rows until it fits; the least important go first.
  for (let k = order.length; k > 0; k--) {
    const table = collapsedTable(tasks, order.slice(0, k), current, logUrl);
    if (utf8Bytes(table) <= maxBytes) return table;
  }
  return collapsedTable(tasks, [], current, logUrl);
}

/** A document whose task table gets whatever room the rest leaves under the budget. */
function withTable(
  build: (table: string) => string,
  tasks: SummaryTask[],
  opts: Omit<TaskTableOptions, "maxBytes">,
  keep: string[],
): string {
  const frame = utf8Bytes(build(""));
  const table = renderTaskTable(tasks, { ...opts, maxBytes: Math.max(0, BODY_BUDGET_BYTES - frame - 64) });
  return fitBody(build(table), { keep });
}

function totals(s: RunSummaryInput): string {
  const tok = s.tokens;
  const tokens = tok
    ? `, tokens ${tok.input} in / ${tok.output} out (cache ${tok.cacheRead} read, ${tok.cacheWrite} written)`
    : "";
  const unchanged = s.tasks.filter((t) => t.filesChanged === 0).map((t) => `#${t.index + 1}`);
  const noChange = unchanged.length
    ? ` ⚠️ ${unchanged.length === 1 ? "Task" : "Tasks"} ${unchanged.slice(0, 20).join(", ")}${unchanged.length > 20 ? ` and ${unchanged.length - 20} more` : ""} changed no file.`
    : "";
  return `${s.tasksDone}/${s.tasksTotal} tasks done, cost ${usd(s.costUsd)}${unknownCost(s.unpricedModels)}${tokens}, ${duration(s.durationMs)}.${noChange}`;
}

/** " + unknown (no price for X)": a cost that leaves tokens out says so. */
export function unknownCost(models: string[] | undefined): string {
  if (!models?.length) return "";
  return ` + unknown (no price for ${models.map((m) => cell(m, 60)).join(", ")}: add it under \`pricing\` in .github/maestro.yml)`;
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
  unpricedModels?: string[];
  /** The run log, linked from a collapsed table's "…" rows. */
  logUrl?: string;
  /** The live run page. */
  pageUrl?: string;
}): string {
  const finished = input.tasks.filter((t) => t.status !== undefined).length;
  const who = [
    input.agent ? `agent \`${input.agent}\`` : "",
    input.actor ? `requested by @${input.actor}` : "",
  ].filter(Boolean);
  const build = (table: string) =>
    [
      statusMarker(input.runId),
      `### Maestro run \`${input.runId}\`: running`,
      "",
      `Playbook \`${input.playbook}\` on branch \`${input.branch}\`${who.length ? ` (${who.join(", ")})` : ""}: ` +
        (input.current !== undefined
          ? `task ${Math.min(finished + 1, input.tasksTotal)}/${input.tasksTotal}`
          : `${finished}/${input.tasksTotal} tasks`) +
        (input.elapsedMs !== undefined ? `, ${duration(input.elapsedMs)} elapsed` : "") +
        (input.tokens ? `, tokens ${input.tokens.input} in / ${input.tokens.output} out` : "") +
        `, cost so far ${usd(input.costUsd)}${unknownCost(input.unpricedModels)}.`,
      "",
      table,
      "",
      ...(input.pageUrl ? [`- Live run page: ${input.pageUrl}`] : []),
      `- Cancel it: \`/maestro cancel ${input.runId}\``,
      "",
    ].join("\n");
  return withTable(
    build,
    input.tasks,
    {
      ...(input.current !== undefined ? { current: input.current } : {}),
      ...(input.logUrl ? { logUrl: input.logUrl } : {}),
    },
    [statusMarker(input.runId)],
  );
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
  const build = (table: string) => {
    const lines = [
      statusMarker(s.runId),
      `### Maestro run \`${s.runId}\`: ${STATUS_TEXT[s.status] ?? s.status}`,
      "",
      `Playbook \`${s.playbook}\`: ${totals(s)}`,
    ];
    if (s.error) lines.push("", `> ${cell(s.error, 600)}`);
    if (s.prUrl) lines.push("", `Draft pull request: ${s.prUrl}`);
    else if (s.tasksDone === 0) lines.push("", "Nothing was committed, so no pull request was opened.");
    lines.push("", table);
    if (s.pageUrl) lines.push("", `Live run page: ${s.pageUrl}`);
    if (s.logUrl) lines.push("", `Run log: ${s.logUrl}`);
    if (s.status !== "succeeded")
      lines.push("", `Resume it from its first unfinished task: \`/maestro retry ${s.runId}\``);
    lines.push("");
    return lines.join("\n");
  };
  return withTable(build, s.tasks, s.logUrl ? { logUrl: s.logUrl } : {}, [statusMarker(s.runId)]);
}

export function renderPullRequestBody(
  s: RunSummaryInput & { issueNumber: number; isPullRequest: boolean },
): string {
  const frame = (table: string, details: string) =>
    [
      `Maestro ran playbook \`${s.playbook}\`${s.isPullRequest ? "" : ` for #${s.issueNumber}`}${s.actor ? ` at the request of @${s.actor}` : ""}. Review the commits (one per task) before merging; Maestro never merges.`,
      "",
      `**${STATUS_TEXT[s.status] ?? s.status}**: ${totals(s)}`,
      "",
      table,
      "",
      ...(details ? ["### What each task did", "", details, ""] : []),
      `Run \`${s.runId}\`, branch \`${s.branch}\`.` +
        (s.pageUrl ? ` Live run page: ${s.pageUrl}` : "") +
        (s.logUrl ? ` Run log: ${s.logUrl}` : ""),
      ...(s.isPullRequest ? [] : ["", `Refs #${s.issueNumber}`]),
      "",
      pullRequestMarker(s.runId),
      "",
    ].join("\n");
  // The table first (it has every task, collapsed when long); the details get the room left.
  const tableOnly = withTable((t) => frame(t, ""), s.tasks, s.logUrl ? { logUrl: s.logUrl } : {}, []);
  const room = BODY_BUDGET_BYTES - utf8Bytes(tableOnly) - 256;
  const details =
    room > 500
      ? renderTaskDetails(
          s.tasks,
          taskStatusText,
          room,
          s.logUrl ? `the [run log](${s.logUrl})` : "the run log",
        )
      : "";
  return withTable((t) => frame(t, details), s.tasks, s.logUrl ? { logUrl: s.logUrl } : {}, [
    pullRequestMarker(s.runId),
  ]);
}

/** A task status as the tables show it ("✅ done"). */
export function taskStatusText(status: string): string {
  return TASK_TEXT[status] ?? status;
}

export function pullRequestMarker(runId: string): string {
  return `<!-- maestro:pr:${runId} -->`;
}
