// A review's inline comments (file, line, text): the input of the address-review follow-up, and the
// replies that say, per comment, what the run did about it.
import { fitBody } from "./body-limits.js";
import { postOnce } from "./post-once.js";
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

export function replyMarker(runId: string): string {
  return `<!-- maestro:reply:${runId} -->`;
}

/**
 * Replies to a review comment once per run: the body carries a marker, and after a transient error
 * the PR's review comments are searched for the reply before it is posted again.
 */
export async function replyToReviewComment(
  octokit: Octokit,
  input: { owner: string; repo: string; pullNumber: number; commentId: number; runId: string; body: string },
  opts: { attempts?: number; backoffMs?: (attempt: number) => number } = {},
): Promise<void> {
  const marker = replyMarker(input.runId);
  const body = fitBody(`${input.body}\n\n${marker}`, { keep: [marker] });
  await postOnce({
    find: async () => {
      const all = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
        owner: input.owner,
        repo: input.repo,
        pull_number: input.pullNumber,
        per_page: 100,
      });
      return all.some((c) => c.in_reply_to_id === input.commentId && c.body?.includes(marker)) ? true : null;
    },
    post: async () => {
      await octokit.rest.pulls.createReplyForReviewComment({
        owner: input.owner,
        repo: input.repo,
        pull_number: input.pullNumber,
        comment_id: input.commentId,
        body,
        request: { retries: 0 },
      });
      return true;
    },
    ...opts,
  });
}
