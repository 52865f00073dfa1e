// Replies on the issue or PR. Text is composed by the caller; known token shapes are redacted on the
// way out, so a reply can never echo a secret a user pasted or an error carried.
import { createRedactor } from "../security/redact.js";
import { BODY_BUDGET_BYTES, fitBody } from "./body-limits.js";
import { createCommentOnce } from "./comment-once.js";
import type { Octokit } from "./octokit.js";

const redact = createRedactor();
/**
 * GitHub refuses comment bodies over 65536 characters; Maestro's budget is counted in UTF-8 bytes, which
 * is at least as strict on any reading of "characters" (see body-limits.ts).
 */
export const MAX_COMMENT_CHARS = BODY_BUDGET_BYTES;
/** Room kept for the reply's own marker line. */
const MARKER_ROOM = 120;

/** Redacted, and within GitHub's limit with room for a marker; a cut ends at a line break. */
export function prepareReply(body: string): string {
  return fitBody(redact(body), { maxBytes: MAX_COMMENT_CHARS - MARKER_ROOM, keep: [] });
}

/** The hidden marker of the reply to one webhook delivery. */
export function replyMarker(deliveryId: string): string {
  return `<!-- maestro:reply:${deliveryId.replace(/[^A-Za-z0-9_-]/g, "")} -->`;
}

/**
 * Posts a reply. With a delivery id, the reply carries a hidden marker and is created at most once
 * even when GitHub answers a POST that succeeded with a 502 (see createCommentOnce).
 */
export async function reply(
  octokit: Octokit,
  target: { owner: string; repo: string; issueNumber: number; deliveryId?: string },
  body: string,
): Promise<number> {
  const text = prepareReply(body);
  if (target.deliveryId === undefined) {
    const { data } = await octokit.rest.issues.createComment({
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      body: text,
    });
    return data.id;
  }
  const marker = replyMarker(target.deliveryId);
  const r = await createCommentOnce(octokit, {
    owner: target.owner,
    repo: target.repo,
    issueNumber: target.issueNumber,
    body: fitBody(`${text}\n${marker}\n`, { keep: [marker] }),
    marker,
  });
  return r.id;
}

/** Quotes a user's command line in a reply without letting it mention or render anything. */
export function quoteCommand(raw: string): string {
  const line = raw.replace(/[\r\n]+/g, " ").slice(0, 200);
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  const pad = line.startsWith("`") || line.endsWith("`") ? " " : "";
  return `${fence}${pad}${line}${pad}${fence}`;
}
