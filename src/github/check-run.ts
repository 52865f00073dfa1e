// The "Maestro" check run on the PR's head commit (DESIGN §1): the run's summary where reviewers look.
// One per run: found again by external_id (the run id) on a retry, so it is updated, never doubled.
import { postOnce } from "./post-once.js";
import type { Octokit } from "./octokit.js";

export const CHECK_NAME = "Maestro";

export type CheckConclusion = "success" | "failure" | "cancelled" | "timed_out" | "neutral";

/** Run status (run-log `run.finished`) → check conclusion. */
export function conclusionFor(status: string): CheckConclusion {
  switch (status) {
    case "succeeded":
      return "success";
    case "cancelled":
      return "cancelled";
    case "timeout":
      return "timed_out";
    case "failed":
    case "budget_exceeded":
      return "failure";
    default:
      return "neutral";
  }
}

export interface CheckRunInput {
  owner: string;
  repo: string;
  headSha: string;
  runId: string;
  status: string;
  title: string;
  /** Markdown, at most 65535 characters (GitHub's limit); longer text is cut. */
  summary: string;
  detailsUrl?: string;
}

const MAX_SUMMARY = 65_535;

/**
 * Creates or updates the run's completed check run; returns its id. A POST answered by a 5xx may have
 * been stored: the retry looks for it by external_id before posting again (Octokit's blind retry is off).
 */
export async function upsertCheckRun(
  octokit: Octokit,
  input: CheckRunInput,
  opts: { attempts?: number; backoffMs?: (attempt: number) => number } = {},
): Promise<number> {
  // upsertOnce lists before it creates, so every attempt is also the search for a lost one.
  const r = await postOnce({ find: async () => null, post: () => upsertOnce(octokit, input), ...opts });
  return r.value;
}

async function upsertOnce(octokit: Octokit, input: CheckRunInput): Promise<number> {
  const { owner, repo } = input;
  const output = {
    title: input.title.slice(0, 255),
    summary:
      input.summary.length > MAX_SUMMARY ? `${input.summary.slice(0, MAX_SUMMARY - 2)}\n…` : input.summary,
  };
  const common = {
    status: "completed" as const,
    conclusion: conclusionFor(input.status),
    completed_at: new Date().toISOString(),
    output,
    ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
  };
  const { data: list } = await octokit.rest.checks.listForRef({
    owner,
    repo,
    ref: input.headSha,
    check_name: CHECK_NAME,
    per_page: 100,
  });
  const mine = list.check_runs.find((c) => c.external_id === input.runId);
  if (mine) {
    await octokit.rest.checks.update({ owner, repo, check_run_id: mine.id, ...common });
    return mine.id;
  }
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name: CHECK_NAME,
    head_sha: input.headSha,
    external_id: input.runId,
    ...common,
    request: { retries: 0 },
  });
  return data.id;
}
