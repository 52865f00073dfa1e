// One file committed onto a branch without a worktree (index, tree and commit made with plumbing in
// a private index file): how the run log lands on the run branch once the worktree is gone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildCommitMessage, type Person } from "./commit.js";
import { runGit } from "./run-git.js";

export interface CommitFileOptions {
  /** A repository (bare or not) that holds the branch. */
  repoDir: string;
  branch: string;
  /** Path in the tree, forward slashes. */
  filePath: string;
  content: string | Buffer;
  message: string;
  author: Person;
  trailers?: Record<string, string>;
}

/** Commits the file on top of the branch tip; returns the new commit's sha. */
export async function commitFileToBranch(opts: CommitFileOptions): Promise<string> {
  const { repoDir } = opts;
  if (!/^[^/].*[^/]$/.test(opts.filePath) || opts.filePath.split("/").includes(".."))
    throw new Error(`commitFileToBranch: bad path ${JSON.stringify(opts.filePath)}`);
  const ref = `refs/heads/${opts.branch}`;
  const parent = (await runGit(["rev-parse", "--verify", `${ref}^{commit}`], { cwd: repoDir })).stdout.trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-index-"));
  const env = {
    GIT_INDEX_FILE: path.join(tmp, "index"),
    GIT_AUTHOR_NAME: opts.author.name,
    GIT_AUTHOR_EMAIL: opts.author.email,
    GIT_COMMITTER_NAME: opts.author.name,
    GIT_COMMITTER_EMAIL: opts.author.email,
  };
  try {
    const blob = (
      await runGit(["hash-object", "-w", "--stdin"], {
        cwd: repoDir,
        input: opts.content.toString(),
      })
    ).stdout.trim();
    await runGit(["read-tree", parent], { cwd: repoDir, env });
    await runGit(["update-index", "--add", "--cacheinfo", `100644,${blob},${opts.filePath}`], {
      cwd: repoDir,
      env,
    });
    const tree = (await runGit(["write-tree"], { cwd: repoDir, env })).stdout.trim();
    const commit = (
      await runGit(["commit-tree", tree, "-p", parent, "-F", "-"], {
        cwd: repoDir,
        env,
        input: buildCommitMessage(opts.message, opts.trailers ?? {}),
      })
    ).stdout.trim();
    // Compare-and-swap: a concurrent writer of the branch makes this fail instead of being overwritten.
    await runGit(["update-ref", ref, commit, parent], { cwd: repoDir });
    return commit;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
