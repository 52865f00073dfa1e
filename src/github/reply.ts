// Replies on the issue or PR. Text is composed by the caller; known token shapes are redacted on the
// way out, so a reply can never echo a secret a user pasted or an error carried.
import { createRedactor } from "../security/redact.js";
import type { Octokit } from "./octokit.js";

const redact = createRedactor();
/** GitHub refuses comment bodies over 65536 characters. */
export const MAX_COMMENT_CHARS = 65_000;

export function prepareReply(body: string): string {
  const clean = redact(body);
  return clean.length > MAX_COMMENT_CHARS ? `${clean.slice(0, MAX_COMMENT_CHARS)}\n\n…(truncated)\n` : clean;
}

export async function reply(
  octokit: Octokit,
  target: { owner: string; repo: string; issueNumber: number },
  body: string,
): Promise<number> {
  const { data } = await octokit.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body: prepareReply(body),
  });
  return data.id;
}

/** Quotes a user's command line in a reply without letting it mention or render anything. */
export function quoteCommand(raw: string): string {
  const line = raw.replace(/[\r\n]+/g, " ").slice(0, 200);
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  const pad = line.startsWith("`") || line.endsWith("`") ? " " : "";
  return `${fence}${pad}${line}${pad}${fence}`;
}
