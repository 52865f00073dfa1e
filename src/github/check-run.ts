// The "Maestro" check run on the PR's head commit (DESIGN §1): the run's summary where reviewers look.
// One per run: found again by external_id (the run id) on a retry, so it is updated, never doubled.
import { BODY_BUDGET_BYTES, fitBody, truncateText } from "./body-limits.js";
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
  /**
   * Markdown. GitHub takes at most 65535 characters; a longer text is cut at a line break to Maestro's
   * budget (BODY_BUDGET_BYTES, in UTF-8 bytes), keeping its marker lines.
   */
  summary: string;
  /** Markdown details below the summary (output.text); the same limit applies. */
  text?: string;
  detailsUrl?: string;
}

/** GitHub's limit on output.title, a plain line. */
const MAX_TITLE = 255;

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
    title: truncateText(input.title.replace(/\s+/g, " ").trim(), MAX_TITLE, { maxBytes: MAX_TITLE }),
    summary: fitBody(input.summary, { maxBytes: BODY_BUDGET_BYTES }),
    ...(input.text !== undefined ? { text: fitBody(input.text, { maxBytes: BODY_BUDGET_BYTES }) } : {}),
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
