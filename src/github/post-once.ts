// A POST GitHub may have stored even though it answered 5xx or a secondary rate limit: a blind retry
// would make a second comment, PR or check run. So Octokit's own retry is off for these POSTs and,
// before each new attempt, `find` looks for what the lost attempt may have made.
import { httpStatus } from "./octokit.js";

/** Worth retrying: server errors and rate limits (GitHub answers secondary limits with 403 or 429). */
export function isTransient(err: unknown): boolean {
  const status = httpStatus(err);
  if (status === undefined) return true; // network error, no answer
  if (status >= 500 || status === 429) return true;
  const message = String((err as { message?: unknown }).message ?? "");
  return status === 403 && /rate limit/i.test(message);
}

export interface PostOnceOptions<T> {
  /** What a lost earlier attempt left behind, or null. Called before attempts 2, 3, … */
  find: () => Promise<T | null>;
  /** The POST itself; pass `request: { retries: 0 }` to Octokit. */
  post: () => Promise<T>;
  attempts?: number;
  /** Pause before attempt n (n ≥ 2), ms. */
  backoffMs?: (attempt: number) => number;
  /** Errors worth another attempt; default: isTransient. */
  retryable?: (err: unknown) => boolean;
}

export async function postOnce<T>(o: PostOnceOptions<T>): Promise<{ value: T; created: boolean }> {
  const attempts = o.attempts ?? 3;
  const backoff = o.backoffMs ?? ((n: number) => 1000 * 2 ** (n - 2));
  const retryable = o.retryable ?? isTransient;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await new Promise((r) => setTimeout(r, backoff(attempt)));
      const found = await o.find();
      if (found !== null) return { value: found, created: false };
    }
    try {
      return { value: await o.post(), created: true };
    } catch (err) {
      lastError = err;
      if (!retryable(err)) throw err;
    }
  }
  throw lastError;
}
