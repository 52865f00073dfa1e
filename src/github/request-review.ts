// Asks the requester to review the draft PR. GitHub refuses (422) when the requester is the PR's
// author or not a collaborator: that is not worth failing a finished run over.
import { httpStatus, type Octokit } from "./octokit.js";

/** true when the request was made; false when GitHub refused it for this reviewer. */
export async function requestReview(
  octokit: Octokit,
  input: { owner: string; repo: string; pullNumber: number; reviewer: string },
): Promise<boolean> {
  try {
    await octokit.rest.pulls.requestReviewers({
      owner: input.owner,
      repo: input.repo,
      pull_number: input.pullNumber,
      reviewers: [input.reviewer],
    });
    return true;
  } catch (err) {
    if (httpStatus(err) === 422) return false;
    throw err;
  }
}
