// Which branch a job runs on and where it starts, in the bare mirror. The remote is the truth: a
// retried or resumed run continues from what was pushed, never from a dead worker's local leftovers.
import { runBranchName } from "../engine/branch-name.js";
import { runGit } from "../git/run-git.js";
import { removeWorktree } from "../git/worktree.js";
import type { Store } from "../queue/connection.js";
import type { RunJobData } from "../queue/job-schema.js";
import { getRunJob } from "../queue/runs-index.js";

const MAX_CHAIN = 50;

/** This run and the runs it resumes, newest first (a retry of a retry resumes the first run's branch). */
export async function resumeChain(store: Store, job: RunJobData): Promise<string[]> {
  const chain = [job.runId];
  let next = job.resumeOf;
  while (next && !chain.includes(next) && chain.length < MAX_CHAIN) {
    chain.push(next);
    next = (await getRunJob(store, next))?.resumeOf;
  }
  return chain;
}

/** Follow-ups run on the PR's branch; other runs on the branch named after the first run of the chain. */
export function branchFor(job: RunJobData, chain: string[], prefix: string): string {
  if (job.headRef) return job.headRef;
  return runBranchName({
    prefix,
    issueNumber: job.issueNumber,
    playbook: job.playbook.name,
    runId: chain[chain.length - 1]!,
  });
}

export async function remoteSha(mirrorDir: string, branch: string): Promise<string | null> {
  try {
    const { stdout } = await runGit(
      ["rev-parse", "--verify", "--quiet", "--end-of-options", `refs/remotes/origin/${branch}^{commit}`],
      { cwd: mirrorDir },
    );
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/**
 * Points the local run branch at the pushed one (or deletes a local branch that was never pushed),
 * after dropping this run's worktree a dead worker may have left. Returns the remote sha, if any.
 */
export async function syncRunBranch(opts: {
  mirrorDir: string;
  branch: string;
  worktreePath: string;
}): Promise<string | null> {
  const { mirrorDir, branch } = opts;
  await removeWorktree(mirrorDir, opts.worktreePath, { force: true });
  const sha = await remoteSha(mirrorDir, branch);
  const ref = `refs/heads/${branch}`;
  if (sha) await runGit(["update-ref", ref, sha], { cwd: mirrorDir });
  else await runGit(["update-ref", "-d", ref], { cwd: mirrorDir }).catch(() => undefined);
  return sha;
}

/**
 * Base of a follow-up on a PR branch: the parent of the chain's first commit when resuming (so its
 * committed tasks are skipped), else the branch tip (so the earlier run's trailers are not mistaken
 * for this playbook's tasks).
 */
export async function followUpBase(opts: {
  mirrorDir: string;
  baseBranch: string | undefined;
  branch: string;
  chain: string[];
}): Promise<string> {
  const tip = `refs/remotes/origin/${opts.branch}`;
  const range = opts.baseBranch ? [`refs/remotes/origin/${opts.baseBranch}..${tip}`] : [tip];
  const { stdout } = await runGit(
    [
      "log",
      "--reverse",
      "--format=%H%x00%(trailers:key=Maestro-Run,valueonly,separator=%x1f)%x1e",
      "--end-of-options",
      ...range,
    ],
    { cwd: opts.mirrorDir },
  );
  for (const record of stdout.split("\x1e")) {
    const [sha, run] = record.replace(/^\n+/, "").split("\0");
    if (!sha || !run) continue;
    if (opts.chain.includes((run.split("\x1f")[0] ?? "").trim())) {
      const { stdout: parent } = await runGit(["rev-parse", "--verify", `${sha.trim()}^`], {
        cwd: opts.mirrorDir,
      });
      return parent.trim();
    }
  }
  return tip;
}
