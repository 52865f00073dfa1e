// Webhook deliveries as GitHub makes them: a payload from @octokit/webhooks-examples with the
// scenario's repository, issue, comment and sender swapped in (rendered from the server's own state,
// so ids and numbers match what the API then serves), signed with the webhook secret.
import { createHmac, randomUUID } from "node:crypto";
import { exampleOf } from "../../helpers/webhook-payloads.js";
import {
  commentJson,
  issueJson,
  labelJson,
  repoJson,
  reviewJson,
  userJson,
  type Issue,
  type IssueComment,
  type Repo,
  type Review,
} from "./model.js";
import { pullJson } from "./rest.js";
import type { State } from "./state.js";

type Obj = Record<string, unknown>;

export interface Delivery {
  id: string;
  event: string;
  action?: string;
  status: number;
  body: string;
}

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** POSTs one delivery with GitHub's headers; resolves to the app's answer. */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  opts: { deliveryId?: string; secret: string; body?: string },
): Promise<Delivery> {
  const text = opts.body ?? JSON.stringify(payload);
  const id = opts.deliveryId ?? randomUUID();
  const installation = (payload as { installation?: { id?: number } } | null)?.installation;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/local",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-github-hook-id": "1",
      "x-hub-signature-256": sign(text, opts.secret),
      ...(installation?.id !== undefined
        ? {
            "x-github-hook-installation-target-type": "integration",
            "x-github-hook-installation-target-id": String(installation.id),
          }
        : {}),
    },
    body: text,
  });
  const action = (payload as { action?: unknown } | null)?.action;
  return {
    id,
    event,
    ...(typeof action === "string" ? { action } : {}),
    status: res.status,
    body: await res.text(),
  };
}

function common(s: State, r: Repo, sender: string): Obj {
  return {
    repository: repoJson(r, s.user(r.owner), s.urls),
    sender: userJson(s.user(sender), s.urls),
    installation: {
      id: r.installationId,
      node_id: Buffer.from(`023:Installation${r.installationId}`).toString("base64"),
    },
  };
}

function issuePart(s: State, r: Repo, i: Issue): Obj {
  return issueJson(i, r, s.userOf, s.urls, s.commentsOn(r, i.number).length);
}

/** `issue_comment.created` for a stored comment (on an issue or a pull request). */
export function issueCommentCreated(s: State, r: Repo, i: Issue, c: IssueComment): Obj {
  const p = exampleOf("issue_comment", "created");
  return {
    ...p,
    action: "created",
    issue: { ...(p.issue as Obj), ...issuePart(s, r, i) },
    comment: { ...(p.comment as Obj), ...commentJson(c, r, s.userOf, s.urls) },
    ...common(s, r, c.user),
  };
}

/** `issues.labeled` for a label the sender just added. */
export function issuesLabeled(s: State, r: Repo, i: Issue, label: string, sender: string): Obj {
  const p = exampleOf("issues", "labeled");
  return {
    ...p,
    action: "labeled",
    issue: { ...(p.issue as Obj), ...issuePart(s, r, i) },
    label: labelJson(s.label(r, label), r, s.urls),
    ...common(s, r, sender),
  };
}

/** `issues.opened` for a stored issue. */
export function issuesOpened(s: State, r: Repo, i: Issue): Obj {
  const p = exampleOf("issues", "opened");
  return {
    ...p,
    action: "opened",
    issue: { ...(p.issue as Obj), ...issuePart(s, r, i) },
    ...common(s, r, i.user),
  };
}

/** `pull_request_review.submitted` for a stored review (webhooks spell the state in lower case). */
export async function pullRequestReviewSubmitted(s: State, r: Repo, i: Issue, v: Review): Promise<Obj> {
  const p = exampleOf("pull_request_review", "submitted");
  const review = reviewJson(v, r, s.userOf, s.urls);
  return {
    ...p,
    action: "submitted",
    review: { ...(p.review as Obj), ...review, state: v.state.toLowerCase() },
    pull_request: { ...(p.pull_request as Obj), ...(await pullJson(s, r, i)) },
    ...common(s, r, v.user),
  };
}
