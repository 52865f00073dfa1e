// The GitHub event a delivery carries, as a key that does not depend on the delivery. The webhook
// signature covers the body, not X-GitHub-Delivery: a captured body sent again under a fresh delivery
// id passes the signature check. Keyed by the event's own ids, such a replay is seen as the event it is
// and starts nothing (DESIGN §11: "the same GitHub event never starts two runs, whatever its delivery id").
import { createHash } from "node:crypto";
import type { Octokit } from "../github/octokit.js";

/**
 * A short digest of the event's identity. Comment and review ids are unique within one GitHub
 * (github.com, or one GitHub Enterprise Server), so the key also names the API host the app talks to.
 */
export function eventKey(octokit: Octokit, parts: ReadonlyArray<string | number | undefined | null>): string {
  const text = [apiHost(octokit), ...parts.map((p) => (p === undefined || p === null ? "" : String(p)))].join(
    "\n",
  );
  return createHash("sha256").update(text).digest("hex").slice(0, 40);
}

function apiHost(octokit: Octokit): string {
  const defaults = (octokit as { request?: { endpoint?: { DEFAULTS?: { baseUrl?: unknown } } } }).request
    ?.endpoint?.DEFAULTS;
  return typeof defaults?.baseUrl === "string" ? defaults.baseUrl : "";
}

/** An issue or PR comment: its id, and the action (only `created` triggers today). */
export function commentEventKey(octokit: Octokit, commentId: number, action = "created"): string {
  return eventKey(octokit, ["issue_comment", action, commentId]);
}

/** A submitted review: its id. */
export function reviewEventKey(octokit: Octokit, reviewId: number): string {
  return eventKey(octokit, ["pull_request_review", "submitted", reviewId]);
}

/**
 * A label added to an issue. The payload has no id of the labeling itself: the issue, the label and the
 * issue's `updated_at` (which the labeling sets) name it. Removing the label and adding it again later
 * is a new event (DESIGN §4: adding it again re-runs); a label added twice within one second would be one.
 */
export function labelEventKey(
  octokit: Octokit,
  repoId: number | undefined,
  issue: { id?: number; number: number; updated_at?: string | null },
  label: { id?: number; name?: string },
): string {
  return eventKey(octokit, [
    "issues",
    "labeled",
    repoId,
    issue.id ?? `#${issue.number}`,
    label.id ?? label.name?.toLowerCase(),
    issue.updated_at,
  ]);
}
