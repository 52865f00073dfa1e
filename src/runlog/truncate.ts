// Caps long text fields of run-log events so one chatty agent turn can't bloat the log.

/** Keep the head of `text`, ending with a marker, so the result is at most `max` characters. */
export function truncateHead(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (cut: number) => `…[truncated ${cut} chars]`;
  const keep = Math.max(0, max - marker(text.length).length);
  return text.slice(0, keep) + marker(text.length - keep);
}

/** Keep the tail of `text` (for command output, where the end matters), starting with a marker. */
export function truncateTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (cut: number) => `[truncated ${cut} chars]…`;
  const keep = Math.max(0, max - marker(text.length).length);
  return marker(text.length - keep) + text.slice(text.length - keep);
}
