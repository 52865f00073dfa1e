// A review's inline comments (file, line, text): the input of the address-review follow-up, and the
// replies that say, per comment, what the run did about it.
import type { Octokit } from "./octokit.js";

export interface ReviewComment {
  id: number;
  path: string;
  /** The line in the file (new side), when GitHub still knows it. */
  line?: number;
  /** Raw, untrusted. */
  body: string;
}

/** Up to 100 inline comments of one review, in the order GitHub lists them. */
export async function listReviewComments(
  octokit: Octokit,
  input: { owner: string; repo: string; pullNumber: number; reviewId: number },
): Promise<ReviewComment[]> {
  const { data } = await octokit.rest.pulls.listCommentsForReview({
    owner: input.owner,
    repo: input.repo,
    pull_number: input.pullNumber,
    review_id: input.reviewId,
    per_page: 100,
  });
  return data.map((c) => ({
    id: c.id,
    path: c.path,
    ...(typeof c.line === "number" ? { line: c.line } : {}),
    body: c.body ?? "",
  }));
}

export async function replyToReviewComment(
  octokit: Octokit,
  input: { owner: string; repo: string; pullNumber: number; commentId: number; body: string },
): Promise<void> {
  await octokit.rest.pulls.createReplyForReviewComment({
    owner: input.owner,
    repo: input.repo,
    pull_number: input.pullNumber,
    comment_id: input.commentId,
    body: input.body,
  });
}
