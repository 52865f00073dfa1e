// One task per review comment for a follow-up on a changes-requested review. A playbook opts in with
// the marker line below: the task list item right after it is replaced by one task per comment, so
// each comment gets its own fresh session and its own commit, and the reply can say what became of it.
// Task texts carry only the comment's number, file and line; the comments' text goes in {{args}},
// where the template fences it as untrusted data.
import { parsePlaybook } from "./parse.js";

export const REVIEW_TASKS_MARKER = "<!-- maestro:review-comments -->";

export interface ReviewCommentInput {
  id: number;
  path: string;
  line?: number;
  /** Sanitized. */
  body: string;
}

export interface ExpandedReview {
  source: string;
  /** Review comment id → index of its task (the Maestro-Task trailer value). */
  taskOf: Map<number, number>;
}

/** A file path as inline code on one line: no newline or backtick can escape it. */
function codePath(p: string): string {
  const flat = p
    .replace(/[\r\n\t`]+/g, " ")
    .trim()
    .slice(0, 200);
  return `\`${flat || "?"}\``;
}

function where(c: ReviewCommentInput): string {
  return `${codePath(c.path)}${c.line !== undefined ? ` line ${c.line}` : ""}`;
}

export function reviewTaskText(k: number, c: ReviewCommentInput): string {
  return `Address review comment ${k} (on ${where(c)}): make the change it asks for, and only that.`;
}

/** The comments as the playbook's {{args}}: numbered, each with its file and line. */
export function renderReviewArgs(comments: ReviewCommentInput[]): string {
  return comments.map((c, i) => `Review comment ${i + 1}, on ${where(c)}:\n${c.body.trim()}`).join("\n\n");
}

/** null when the playbook has no marker (it gets the comments through {{args}} only). */
export function expandReviewTasks(source: string, comments: ReviewCommentInput[]): ExpandedReview | null {
  if (comments.length === 0) return null;
  const lines = source.split("\n");
  const at = lines.findIndex((l) => l.trim() === REVIEW_TASKS_MARKER);
  if (at < 0) return null;
  // The placeholder task: the first list item after the marker (it stays for runs without comments).
  let next = at + 1;
  while (next < lines.length && !/^\s*[-*+] \[[ xX]\] /.test(lines[next]!)) next++;
  const generated = comments.map((c, i) => `- [ ] ${reviewTaskText(i + 1, c)}`);
  const out = [...lines.slice(0, at), ...generated, ...lines.slice(next < lines.length ? next + 1 : at + 1)];
  const expanded = out.join("\n");
  const parsed = parsePlaybook(expanded, { name: "address-review" });
  const taskOf = new Map<number, number>();
  comments.forEach((c, i) => {
    const text = reviewTaskText(i + 1, c);
    const task = parsed.tasks.find((t) => t.text === text);
    if (task) taskOf.set(c.id, task.index);
  });
  return { source: expanded, taskOf };
}
