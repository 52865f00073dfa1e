// Maestro's own git on a worktree an agent has worked in (DESIGN §6): nothing the agent left there may
// steer it. The git dir is named explicitly (a planted `.git` file or directory is never read), system and
// global config are not read, and the config keys that run programs or recurse into nested repositories
// are pinned off on the command line.
import fs from "node:fs";
import path from "node:path";
import { runGit } from "./run-git.js";

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

/** The commit HEAD points to: the branch's loose ref when there is one, else git itself (packed, detached). */
export async function worktreeHead(gitDir: string, worktree: string): Promise<string> {
  const head = fs.readFileSync(path.join(gitDir, "HEAD"), "utf8").trim();
  if (head.startsWith("ref: refs/heads/")) {
    const loose = readSha(path.join(commonDirOf(gitDir), head.slice("ref: ".length)));
    if (loose) return loose;
  }
  const { stdout } = await runGit([...WORKTREE_SAFE_CONFIG, "rev-parse", "HEAD"], {
    cwd: worktree,
    env: worktreeGitEnv(gitDir, worktree),
  });
  return stdout.trim();
}

/** A linked worktree's git dir names its common dir (the mirror) in `commondir`; else it is its own. */
export function commonDirOf(gitDir: string): string {
  try {
    return path.resolve(gitDir, fs.readFileSync(path.join(gitDir, "commondir"), "utf8").trim());
  } catch {
    return gitDir;
  }
}

function readSha(file: string): string | undefined {
  try {
    const sha = fs.readFileSync(file, "utf8").trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}
