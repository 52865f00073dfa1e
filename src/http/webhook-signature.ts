// The webhook door: the body is read once and its X-Hub-Signature-256 checked against the raw bytes
// before any handler sees it. A missing or wrong signature is 401 (who sent it is not proven), a body past
// GitHub's own 25 MB cap is 413; a verified body is handed on as text (req.body) to webhook-receiver.ts.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(header.slice("sha256=".length), "hex"));
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(over ? null : Buffer.concat(chunks)));
    req.on("error", reject);
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
  const body = await readBody(req, MAX_WEBHOOK_BYTES);
  if (body === null) {
    refuse(res, 413, `payload over ${MAX_WEBHOOK_BYTES} bytes`);
    return true;
  }
  const header = req.headers["x-hub-signature-256"];
  if (!signatureMatches(secret, body, Array.isArray(header) ? header[0] : header)) {
    refuse(
      res,
      401,
      header
        ? "signature does not match: check that WEBHOOK_SECRET is the app's webhook secret"
        : "missing X-Hub-Signature-256: set a webhook secret on the GitHub App",
    );
    return true;
  }
  (req as IncomingMessage & { body?: string }).body = body.toString("utf8");
  return false;
}
