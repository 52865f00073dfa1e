// Server-sent events (the WHATWG "text/event-stream" format) for the live run page's stream: one message per run
// event, `id:` its store position so a reconnecting EventSource resumes after it (Last-Event-ID).

/** A position the store hands out (a Redis stream id, "<ms>-<n>"); anything else from a client is ignored. */
const EVENT_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * One message. `data` is sent as JSON on one `data:` line: JSON.stringify escapes CR and LF inside strings, so
 * no text in it (an agent's message, say) can end the message early or forge a field. `event` and `id` are
 * Maestro's own words; a line break in them is refused rather than sent.
 */
export function sseMessage(msg: { data: unknown; event?: string; id?: string }): string {
  let out = "";
  if (msg.event !== undefined) out += `event: ${field(msg.event)}\n`;
  if (msg.id !== undefined) out += `id: ${field(msg.id)}\n`;
  return `${out}data: ${JSON.stringify(msg.data)}\n\n`;
}

/** A comment line (heartbeats): EventSource ignores it; proxies see traffic. */
export function sseComment(text: string): string {
  return `: ${field(text)}\n\n`;
}

/** How long the browser waits before it reconnects, ms. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}

/** The position to resume after: the Last-Event-ID header an EventSource sends when it reconnects, else `after`
 * from the query (a page that opened a new EventSource), when it is a store position. */
export function resumePosition(
  lastEventId: string | string[] | undefined,
  after: string | null,
): string | undefined {
  const header = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  for (const v of [header?.trim(), after?.trim()]) if (v && EVENT_ID.test(v)) return v;
  return undefined;
}

function field(s: string): string {
  if (/[\r\n\0]/.test(s)) throw new Error(`server-sent event field with a line break: ${JSON.stringify(s)}`);
  return s;
}
