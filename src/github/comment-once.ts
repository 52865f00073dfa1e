// Creating a comment exactly once. A 502 or a secondary rate limit on POST may come after GitHub
// stored the comment, so a blind retry duplicates it. Each comment carries a hidden marker; before
// trying again, the issue is searched for it.
import { httpStatus, type Octokit } from "./octokit.js";

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

/** Worth retrying: server errors and rate limits (GitHub answers secondary limits with 403 or 429). */
export function isTransient(err: unknown): boolean {
  const status = httpStatus(err);
  if (status === undefined) return true; // network error, no answer
  if (status >= 500 || status === 429) return true;
  const message = String((err as { message?: unknown }).message ?? "");
  return status === 403 && /rate limit/i.test(message);
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
  const attempts = input.attempts ?? 3;
  const backoff = input.backoffMs ?? ((n: number) => 500 * 2 ** (n - 2));
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await new Promise((r) => setTimeout(r, backoff(attempt)));
      const existing = await findCommentWithMarker(octokit, input);
      if (existing !== null) return { id: existing, created: false };
    }
    try {
      const { data } = await octokit.rest.issues.createComment({
        owner: input.owner,
        repo: input.repo,
        issue_number: input.issueNumber,
        body: input.body,
        // Our own retry (search, then create) replaces Octokit's blind one.
        request: { retries: 0 },
      });
      return { id: data.id, created: true };
    } catch (err) {
      lastError = err;
      if (!isTransient(err)) throw err;
    }
  }
  throw lastError;
}
