// Webhook payloads from @octokit/webhooks-examples (GitHub's own examples), adapted per test.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

interface Definition {
  name: string;
  examples: Record<string, unknown>[];
}

let defs: Definition[] | null = null;

function definitions(): Definition[] {
  if (!defs)
    defs = JSON.parse(readFileSync(require.resolve("@octokit/webhooks-examples"), "utf8")) as Definition[];
  return defs;
}

/** Every example of an event, deep-copied, each with an installation id. */
export function examplesOf(event: string, installationId = 7): Record<string, unknown>[] {
  const d = definitions().find((x) => x.name === event);
  if (!d) throw new Error(`@octokit/webhooks-examples has no examples for ${event}`);
  return d.examples.map((e) => {
    const copy = structuredClone(e);
    if (!copy.installation)
      copy.installation = { id: installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNw==" };
    return copy;
  });
}

/** The first example of an event/action. */
export function exampleOf(
  event: string,
  action: string,
  filter: (p: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> {
  const found = examplesOf(event).find((e) => e.action === action && filter(e));
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}.${action} example`);
  return found;
}

type Obj = Record<string, unknown>;

/** An issue_comment.created on an issue (not a PR), from the examples, with the given body and sender. */
export function issueCommentPayload(opts: {
  body: string;
  sender?: string;
  senderType?: string;
  onPull?: boolean;
  issueBody?: string;
  issueNumber?: number;
  commentId?: number;
}): Obj {
  const p = exampleOf("issue_comment", "created");
  const issue = p.issue as Obj;
  if (opts.onPull) {
    // The examples have no comment on a PR; GitHub marks one with issue.pull_request.
    const url = String(issue.url).replace("/issues/", "/pulls/");
    const html = String(issue.html_url).replace("/issues/", "/pull/");
    issue.pull_request = { url, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch` };
  }
  const comment = p.comment as Obj;
  const sender = p.sender as Obj;
  comment.body = opts.body;
  if (opts.commentId !== undefined) comment.id = opts.commentId;
  if (opts.issueBody !== undefined) issue.body = opts.issueBody;
  if (opts.issueNumber !== undefined) issue.number = opts.issueNumber;
  if (opts.sender !== undefined) {
    sender.login = opts.sender;
    (comment.user as Obj).login = opts.sender;
  }
  if (opts.senderType !== undefined) sender.type = opts.senderType;
  return p;
}
