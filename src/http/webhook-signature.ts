// The webhook door: the body is read once and its X-Hub-Signature-256 checked against the raw bytes
// before any handler sees it. A missing or wrong signature is 401 (who sent it is not proven), a body past
// GitHub's own 25 MB cap is 413; a verified body is handed on as text (req.body) to webhook-receiver.ts.
// Unsigned bodies cost memory before anyone is proven: a request without a well-formed signature header is
// refused before its body is read, one that announces more than the cap is refused unread, and all bodies
// being read at once share a budget (UNVERIFIED_BUDGET_BYTES): past it, 503 with Retry-After.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
/** Bytes of not-yet-verified bodies held at once, across all requests (two of GitHub's largest). */
export const UNVERIFIED_BUDGET_BYTES = 2 * MAX_WEBHOOK_BYTES;

let unverifiedBytes = 0;
let unverifiedPeak = 0;
/** Bytes of unverified bodies held now and at most so far (for tests and metrics). */
export function unverifiedBodyBytes(): { now: number; peak: number } {
  return { now: unverifiedBytes, peak: unverifiedPeak };
}

const SIGNATURE = /^sha256=[0-9a-f]{64}$/i;

export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !SIGNATURE.test(header)) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(header.slice("sha256=".length), "hex"));
}

type BodyRead = { body: Buffer } | { refused: 413 | 503 };

/** Reads the body within the cap and the shared budget; on either, stops reading at once. */
function readBody(req: IncomingMessage, max: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let held = 0;
    const release = () => {
      unverifiedBytes -= held;
      held = 0;
    };
    const stop = (status: 413 | 503) => {
      release();
      req.removeAllListeners("data");
      req.pause();
      resolve({ refused: status });
    };
    req.on("data", (c: Buffer) => {
      if (held + c.length > max) return stop(413);
      if (unverifiedBytes + c.length > UNVERIFIED_BUDGET_BYTES) return stop(503);
      held += c.length;
      unverifiedBytes += c.length;
      unverifiedPeak = Math.max(unverifiedPeak, unverifiedBytes);
      chunks.push(c);
    });
    req.on("end", () => {
      release();
      resolve({ body: Buffer.concat(chunks) });
    });
    req.on("error", (err) => {
      release();
      reject(err);
    });
  });
}

function refuse(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ error }));
}

/** `issue_comment.created`: the event header and the payload's action (GitHub writes it first). */
export function deliveryLabel(req: IncomingMessage, body: string): string {
  const event = String(req.headers["x-github-event"] ?? "unknown");
  const action = /^\s*\{\s*"action"\s*:\s*"([a-z_]{1,40})"/.exec(body.slice(0, 200))?.[1];
  return action ? `${event}.${action}` : event;
}

/** true when it answered (refused) the request; false when the request may go on to Probot. */
export async function checkWebhookSignature(
  req: IncomingMessage,
  res: ServerResponse,
  secret: string,
): Promise<boolean> {
  const raw = req.headers["x-hub-signature-256"];
  const header = Array.isArray(raw) ? raw[0] : raw;
  if (!header || !SIGNATURE.test(header)) {
    refuseUnread(
      req,
      res,
      401,
      header
        ? "malformed X-Hub-Signature-256: expected sha256=<64 hex digits>"
        : "missing X-Hub-Signature-256: set a webhook secret on the GitHub App",
    );
    return true;
  }
  if (Number(req.headers["content-length"] ?? 0) > MAX_WEBHOOK_BYTES) {
    refuseUnread(req, res, 413, `payload over ${MAX_WEBHOOK_BYTES} bytes`);
    return true;
  }
  const read = await readBody(req, MAX_WEBHOOK_BYTES);
  if ("refused" in read) {
    if (read.refused === 413) refuseUnread(req, res, 413, `payload over ${MAX_WEBHOOK_BYTES} bytes`);
    else {
      res.setHeader("retry-after", "5");
      refuseUnread(req, res, 503, "too many unverified webhook bodies being read at once; retry shortly");
    }
    return true;
  }
  if (!signatureMatches(secret, read.body, header)) {
    refuse(res, 401, "signature does not match: check that WEBHOOK_SECRET is the app's webhook secret");
    return true;
  }
  (req as IncomingMessage & { body?: string }).body = read.body.toString("utf8");
  return false;
}

/** Answers and closes the connection: the rest of the body is never read. */
function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  // The sender may still be writing when the connection closes under it: its reset is expected, not a fault.
  const ignore = () => undefined;
  req.on("error", ignore);
  res.on("error", ignore);
  req.socket?.on("error", ignore);
  res.setHeader("connection", "close");
  refuse(res, status, error);
  res.on("finish", () => req.destroy());
}
