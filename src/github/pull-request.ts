// The run's draft pull request, created at most once per branch. A 502 or a secondary rate limit on
// POST may come after GitHub stored the PR, so before trying again the open PRs of the branch are
// listed: never a second PR for the same head.
import { fitBody } from "./body-limits.js";
import { isTransient, postOnce } from "./post-once.js";
import type { Octokit } from "./octokit.js";

export interface PullRequestRef {
  number: number;
  url: string;
  /** true when this call opened it. */
  created: boolean;
}

export interface EnsurePullRequestInput {
  owner: string;
  repo: string;
  /** Branch name in the same repository. */
  head: string;
  base: string;
  title: string;
  body: string;
  attempts?: number;
  /** Pause before attempt n (n ≥ 2), in ms. Injected by tests. */
  backoffMs?: (attempt: number) => number;
}

/** The open PR whose head is owner:branch, or null. */
export async function findOpenPullRequest(
  octokit: Octokit,
  input: { owner: string; repo: string; head: string },
): Promise<{ number: number; url: string } | null> {
  const { data } = await octokit.rest.pulls.list({
    owner: input.owner,
    repo: input.repo,
    head: `${input.owner}:${input.head}`,
    state: "open",
    per_page: 10,
  });
  const pr = data.find((p) => p.head.ref === input.head) ?? data[0];
  return pr ? { number: pr.number, url: pr.html_url } : null;
}

export async function ensureDraftPullRequest(
  octokit: Octokit,
  input: EnsurePullRequestInput,
): Promise<PullRequestRef> {
  const attempts = input.attempts ?? 3;
  const backoff = input.backoffMs ?? ((n: number) => 1000 * 2 ** (n - 2));
  // GitHub refuses a PR body over its size limit; the marker lines are kept if it must be cut.
  const body = fitBody(input.body);
  const existing = await findOpenPullRequest(octokit, input);
  if (existing) {
    await octokit.rest.pulls.update({
      owner: input.owner,
      repo: input.repo,
      pull_number: existing.number,
      body,
    });
    return { ...existing, created: false };
  }
  const r = await postOnce({
    find: () => findOpenPullRequest(octokit, input),
    post: async () => {
      const { data } = await octokit.rest.pulls.create({
        owner: input.owner,
        repo: input.repo,
        head: input.head,
        base: input.base,
        title: input.title,
        body,
        draft: true,
        request: { retries: 0 },
      });
      return { number: data.number, url: data.html_url };
    },
    attempts,
    backoffMs: backoff,
    retryable: (err) => isTransient(err) || isAlreadyExists(err),
  });
  return { ...r.value, created: r.created };
}

/** 422 "A pull request already exists for owner:branch": a lost response of ours; the re-list finds it. */
function isAlreadyExists(err: unknown): boolean {
  const e = err as { status?: unknown; message?: unknown };
  return e?.status === 422 && /already exists/i.test(String(e.message ?? ""));
}
