// Small ref and working-tree queries.
import { GitError } from "./errors.js";
import { runGit } from "./run-git.js";

/** The commit sha `ref` points to; a GitError of kind bad_ref when it does not exist. */
export async function resolveRef(repoDir: string, ref: string): Promise<string> {
  if (!ref || ref.startsWith("-")) {
    throw new GitError({
      kind: "bad_ref",
      message: `Invalid ref ${JSON.stringify(ref)}: give a branch, tag or commit.`,
      args: [],
    });
  }
  try {
    const { stdout } = await runGit(["rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`], {
      cwd: repoDir,
    });
    return stdout.trim();
  } catch (err) {
    if (err instanceof GitError && (err.kind === "unknown" || err.kind === "bad_ref")) {
      throw new GitError({
        kind: "bad_ref",
        message: `Unknown ref ${JSON.stringify(ref)} in ${repoDir}: check the branch, tag or commit name (is it fetched?).`,
        stderr: err.stderr,
        args: err.args,
        exitCode: err.exitCode,
      });
    }
    throw err;
  }
}

export async function branchExists(repoDir: string, branch: string): Promise<boolean> {
  try {
    await runGit(["show-ref", "--verify", "--quiet", `refs/heads/${branch}`], { cwd: repoDir });
    return true;
  } catch (err) {
    if (err instanceof GitError && err.exitCode === 1) return false;
    throw err;
  }
}

/** The checked-out branch's short name, or null when HEAD is detached. */
export async function currentBranch(repoDir: string): Promise<string | null> {
  try {
    const { stdout } = await runGit(["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: repoDir });
    return stdout.trim() || null;
  } catch (err) {
    if (err instanceof GitError && err.exitCode === 1) return null;
    throw err;
  }
}

/** No staged, unstaged or untracked (non-ignored) changes. */
export async function isWorkingTreeClean(dir: string): Promise<boolean> {
  const { stdout } = await runGit(["status", "--porcelain", "--untracked-files=all"], { cwd: dir });
  return stdout.trim() === "";
}
