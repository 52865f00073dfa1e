// Feedback on the triggering comment: 👀 accepted, 😕 refused, 🚀 the run succeeded. Reviews have no reactions
// endpoint; label triggers react on the issue itself.
import type { Octokit } from "./octokit.js";

export type ReactionTarget =
  | { kind: "comment"; owner: string; repo: string; commentId: number }
  | { kind: "issue"; owner: string; repo: string; issueNumber: number }
  | { kind: "review" };

export type Feedback = "accepted" | "refused" | "succeeded";

const CONTENT = { accepted: "eyes", refused: "confused", succeeded: "rocket" } as const;

/** Returns false when the target cannot carry a reaction (reviews). */
export async function react(octokit: Octokit, target: ReactionTarget, feedback: Feedback): Promise<boolean> {
  const content = CONTENT[feedback];
  switch (target.kind) {
    case "comment":
      await octokit.rest.reactions.createForIssueComment({
        owner: target.owner,
        repo: target.repo,
        comment_id: target.commentId,
        content,
      });
      return true;
    case "issue":
      await octokit.rest.reactions.createForIssue({
        owner: target.owner,
        repo: target.repo,
        issue_number: target.issueNumber,
        content,
      });
      return true;
    case "review":
      return false;
  }
}
