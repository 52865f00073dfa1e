// Hands a delivery whose signature serve has checked (webhook-signature.ts) to the app's handlers.
// Probot's own middleware would verify the same HMAC a second time (≈ 4–5 % of a delivery's CPU); this
// answers as that middleware does: 415 without a JSON content type, 400 without the event or delivery
// header or with a body that is not a JSON object, 200 "ok" once the handlers are done, 202 "still
// processing" when they take longer than GitHub waits, the first handler error's status otherwise.
import type { IncomingMessage, ServerResponse } from "node:http";

/** @octokit/webhooks' middleware answers 202 after this long (GitHub gives up at 10 s). */
export const WEBHOOK_ANSWER_TIMEOUT_MS = 9000;

export interface WebhookEvent {
  id: string;
  name: string;
  payload: object;
}

export interface WebhookReceiverDeps {
  /** Runs the handlers (Probot#receive); rejects with an AggregateError of the handlers' errors. */
  receive(event: WebhookEvent): Promise<void>;
  log: { error(obj: unknown, msg?: string): void };
  timeoutMs?: number;
}

const JSON_CONTENT_TYPE = /^\s*(application\/json)\s*(?:;|$)/u;

function answer(res: ServerResponse, status: number, body: string, contentType: string): void {
  if (res.headersSent) return;
  res
    .writeHead(status, {
      "content-type": contentType,
      accept: "application/json",
      "content-length": Buffer.byteLength(body).toString(),
    })
    .end(body);
}

function answerError(res: ServerResponse, status: number, error: string): void {
  answer(res, status, JSON.stringify({ error }), "application/json");
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function receiveVerifiedWebhook(
  deps: WebhookReceiverDeps,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
): Promise<void> {
  const contentType = header(req, "content-type");
  if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) {
    answerError(res, 415, 'Unsupported "Content-Type" header value. Must be "application/json"');
    return;
  }
  const name = header(req, "x-github-event");
  const id = header(req, "x-github-delivery");
  const missing = [name === undefined && "x-github-event", id === undefined && "x-github-delivery"].filter(
    Boolean,
  );
  if (missing.length > 0) {
    answerError(res, 400, `Required headers missing: ${missing.join(", ")}`);
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    answerError(res, 400, "SyntaxError: Invalid JSON");
    return;
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    answerError(res, 400, "Error: the payload must be a JSON object");
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), deps.timeoutMs ?? WEBHOOK_ANSWER_TIMEOUT_MS);
  });
  const handled = deps.receive({ id: id!, name: name!, payload }).then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const outcome = await Promise.race([handled, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    answer(res, 202, "still processing\n", "text/plain");
    // The handlers go on; their failure is still worth a log line.
    void handled.then((o) => {
      if (!o.ok) deps.log.error(o.error, `webhook ${name} ${id}: handler failed after the 202`);
    });
    return;
  }
  if (outcome.ok) {
    answer(res, 200, "ok\n", "text/plain");
    return;
  }
  const first = firstError(outcome.error);
  deps.log.error(outcome.error);
  answerError(
    res,
    first.status ?? 500,
    first.message ? `${first.name}: ${first.message}` : "Error: An Unspecified error occurred",
  );
}

function firstError(error: unknown): { name: string; message: string; status?: number } {
  const inner = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const e = (inner ?? {}) as { name?: unknown; message?: unknown; status?: unknown };
  return {
    name: typeof e.name === "string" ? e.name : "Error",
    message: typeof e.message === "string" ? e.message : "",
    ...(typeof e.status === "number" ? { status: e.status } : {}),
  };
}
