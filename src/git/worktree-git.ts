// Maestro's own git on a worktree an agent has worked in (DESIGN §6): nothing the agent left there may
// steer it. The git dir is named explicitly (a planted `.git` file or directory is never read), system and
// global config are not read, and the config keys that run programs or recurse into nested repositories
// are pinned off on the command line.
import fs from "node:fs";
import path from "node:path";

/** `-c` pairs for every Maestro git command in a worktree. */
export const WORKTREE_SAFE_CONFIG = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.untrackedCache=false",
  "-c",
  "diff.ignoreSubmodules=all",
  "-c",
  "submodule.recurse=false",
  "-c",
  "status.submoduleSummary=false",
];

/**
 * The worktree's git dir as its `.git` names it now: read once, when Maestro made or reset the worktree and
 * before any agent ran there, and used from then on.
 */
export function trustedGitDir(worktree: string): string {
  const dotGit = path.join(worktree, ".git");
  const st = fs.lstatSync(dotGit);
  if (st.isDirectory()) return dotGit;
  if (!st.isFile()) throw new Error(`${dotGit} is neither a file nor a directory`);
  const m = /^gitdir: (.+)$/m.exec(fs.readFileSync(dotGit, "utf8"));
  if (!m) throw new Error(`${dotGit} does not name a git dir`);
  return path.resolve(worktree, m[1]!.trim());
}

/** Environment for git on `worktree` with its git dir fixed to `gitDir`. */
export function worktreeGitEnv(gitDir: string, worktree: string): Record<string, string> {
  return {
    GIT_DIR: gitDir,
    GIT_WORK_TREE: worktree,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
}
