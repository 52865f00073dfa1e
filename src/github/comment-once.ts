// Creating a comment exactly once. A 502 or a secondary rate limit on POST may come after GitHub
// stored the comment, so a blind retry duplicates it. Each comment carries a hidden marker; before
// trying again, the issue is searched for it.
import type { Octokit } from "./octokit.js";
import { fitBody } from "./body-limits.js";
import { postOnce } from "./post-once.js";

export { isTransient } from "./post-once.js";

export interface CommentOnceInput {
  owner: string;
  repo: string;
  issueNumber: number;
  /** Must contain `marker`. */
  body: string;
  /** A hidden HTML comment unique to this comment, e.g. `<!-- maestro:run:r123 -->`. */
  marker: string;
  /** Pause before attempt n (1-based, n ≥ 2), in ms. Injected by tests. */
  backoffMs?: (attempt: number) => number;
  attempts?: number;
}

export async function findCommentWithMarker(
  octokit: Octokit,
  input: Pick<CommentOnceInput, "owner" | "repo" | "issueNumber" | "marker">,
): Promise<number | null> {
  const iterator = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: input.owner,
    repo: input.repo,
    issue_number: input.issueNumber,
    per_page: 100,
  });
  for await (const page of iterator) {
    for (const c of page.data) if (c.body?.includes(input.marker)) return c.id;
  }
  return null;
}

export async function createCommentOnce(
  octokit: Octokit,
  input: CommentOnceInput,
): Promise<{ id: number; created: boolean }> {
  if (!input.body.includes(input.marker))
    throw new Error("createCommentOnce: the body must contain the marker");
  // Within GitHub's size limit; a cut never drops the marker the retry searches for.
  const body = fitBody(input.body, { keep: [input.marker] });
  const r = await postOnce({
    find: () => findCommentWithMarker(octokit, input),
    post: async () =>
      (
        await octokit.rest.issues.createComment({
          owner: input.owner,
          repo: input.repo,
          issue_number: input.issueNumber,
          body,
          request: { retries: 0 },
        })
      ).data.id,
    ...(input.attempts ? { attempts: input.attempts } : {}),
    backoffMs: input.backoffMs ?? ((n: number) => 500 * 2 ** (n - 2)),
  });
  return { id: r.value, created: r.created };
}
