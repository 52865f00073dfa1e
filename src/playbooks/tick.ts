// Ticks a task in the playbook's source: only the character between the brackets changes, so the
// rest of the file (line endings, spacing, other tasks) stays byte for byte.
import { PlaybookError } from "./errors.js";
import type { PlaybookTask } from "./types.js";

/** Returns `source` with the task's checkbox set to `x` (or to a space when `done` is false). */
export function tickTask(
  source: string,
  task: Pick<PlaybookTask, "checkOffset" | "index" | "line" | "text">,
  done = true,
): string {
  const at = task.checkOffset;
  const current = source[at];
  if (
    source[at - 1] !== "[" ||
    source[at + 1] !== "]" ||
    current === undefined ||
    !/^[ \txX]$/.test(current)
  ) {
    throw new PlaybookError(
      `cannot tick task ${task.index + 1} ("${task.text.slice(0, 60)}"): there is no checkbox at its recorded position. The file changed since it was parsed; parse it again and tick the fresh task.`,
      { line: task.line },
    );
  }
  const isDone = current === "x" || current === "X";
  if (isDone === done) return source;
  return source.slice(0, at) + (done ? "x" : " ") + source.slice(at + 1);
}
