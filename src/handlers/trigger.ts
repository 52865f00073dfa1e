// One triggering event, reduced to what the command router needs: handlers build it from the
// webhook payload; nothing below this point reads a payload.
import type { Context } from "probot";
import type { Octokit } from "../github/octokit.js";
import type { PullInfo } from "../github/fork.js";
import type { ReactionTarget } from "../github/reactions.js";
import type { HandlerLog } from "./deps.js";

export interface Trigger {
  octokit: Octokit;
  log: HandlerLog;
  owner: string;
  repo: string;
  repoId?: number;
  installationId: number;
  /** X-GitHub-Delivery: the idempotency key of the delivery. */
  deliveryId: string;
  /** The event's own identity (event-key.ts): the same event under any delivery id is handled once. */
  eventKey: string;
  issueNumber: number;
  isPullRequest: boolean;
  /** Raw, untrusted: sanitized before it goes anywhere. */
  issue: { title: string; body: string };
  sender: { login: string; type: string };
  /** The sender's `author_association` in the payload (comments, reviews); absent for labels. */
  senderAssociation?: string;
  /** `User` or `Organization`: who owns the repository (decides what `author_association` can tell). */
  ownerType?: string;
  kind: "comment" | "label" | "review";
  url?: string;
  commentId?: number;
  /** A submitted review: its inline comments are the input of the follow-up. */
  reviewId?: number;
  reactionTarget: ReactionTarget;
  /** Known from the payload (reviews); fetched on demand otherwise. */
  pull?: PullInfo;
  /** Probot's context.config("maestro.yml"): the parsed YAML, or null when there is none. */
  loadConfig(): Promise<unknown>;
}

type TriggerEvent = "issue_comment.created" | "issues.labeled" | "pull_request_review.submitted";
type TriggerBase = Pick<
  Trigger,
  | "octokit"
  | "log"
  | "owner"
  | "repo"
  | "repoId"
  | "installationId"
  | "deliveryId"
  | "sender"
  | "ownerType"
  | "loadConfig"
>;

/** The fields every handler fills the same way from Probot's context. */
export function triggerBase(context: Context<TriggerEvent>, installationId: number): TriggerBase {
  const { repository, sender } = context.payload;
  const { owner, repo } = context.repo();
  return {
    octokit: context.octokit,
    log: context.log,
    owner,
    repo,
    repoId: repository.id,
    installationId,
    deliveryId: context.id,
    sender: { login: sender.login, type: sender.type },
    ...(repository.owner?.type ? { ownerType: repository.owner.type } : {}),
    loadConfig: () => context.config("maestro.yml"),
  };
}
