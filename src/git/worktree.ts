// Run worktrees: one per run, on its own branch, locked with the owning pid so a crashed run's
// worktree can be told from a live one (DESIGN §6).
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GitError } from "./errors.js";
import { isStaleLock, lockReason } from "./pid.js";
import { branchExists, resolveRef } from "./refs.js";
import { killProcessesUnder } from "./orphan-processes.js";
import { runGit } from "./run-git.js";
import { trustedGitDir, worktreeHead } from "./worktree-git.js";

export { branchExists, currentBranch, isWorkingTreeClean, resolveRef } from "./refs.js";

// Never run repository hooks (post-checkout etc.): they are untrusted code.
export const NO_HOOKS = ["-c", "core.hooksPath=/dev/null"];

export interface WorktreeEntry {
  path: string;
  head?: string;
  /** Short branch name, absent when detached or bare. */
  branch?: string;
  bare: boolean;
  detached: boolean;
  /** The lock reason ("" when locked without one); undefined when not locked. */
  locked?: string;
  prunable: boolean;
}

// Git commands that look at every worktree (list, add, checkout of a branch) fail on one another
// process is adding at that moment (its admin dir is there, its files not yet): retried for a moment.
const HALF_MADE = /failed to read .*worktrees\/|worktrees\/[^\s]*: No such file/i;

export async function retryHalfMadeWorktree<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= 6 || !(err instanceof GitError) || !HALF_MADE.test(`${err.stderr}\n${err.message}`))
        throw err;
      await sleep(25 * attempt);
    }
  }
}

export async function listWorktrees(repoDir: string): Promise<WorktreeEntry[]> {
  const { stdout } = await retryHalfMadeWorktree(() =>
    runGit(["worktree", "list", "--porcelain"], { cwd: repoDir }),
  );
  const entries: WorktreeEntry[] = [];
  for (const block of stdout.split(/\n\n+/)) {
    const lines = block.split("\n").filter(Boolean);
    if (!lines[0]?.startsWith("worktree ")) continue;
    const e: WorktreeEntry = {
      path: lines[0].slice("worktree ".length),
      bare: false,
      detached: false,
      prunable: false,
    };
    for (const line of lines.slice(1)) {
      const sp = line.indexOf(" ");
      const key = sp < 0 ? line : line.slice(0, sp);
      const value = sp < 0 ? "" : line.slice(sp + 1);
      if (key === "HEAD") e.head = value;
      else if (key === "branch") e.branch = value.replace(/^refs\/heads\//, "");
      else if (key === "bare") e.bare = true;
      else if (key === "detached") e.detached = true;
      else if (key === "locked") e.locked = value;
      else if (key === "prunable") e.prunable = true;
    }
    entries.push(e);
  }
  return entries;
}

export function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    const abs = path.resolve(p);
    try {
      return fs.realpathSync(abs);
    } catch {
      // Gone: resolve what's left of it (the parent usually still exists).
      try {
        return path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
      } catch {
        return abs;
      }
    }
  };
  return path.resolve(a) === path.resolve(b) || norm(a) === norm(b);
}

/** A worktree left behind by a dead run: its directory is gone, or it sits beside ours and its lock names a dead pid. */
export function isStale(entry: WorktreeEntry, worktreePath: string): boolean {
  if (entry.bare) return false;
  if (!fs.existsSync(entry.path)) return true;
  return samePath(path.dirname(entry.path), path.dirname(worktreePath)) && isStaleLock(entry.locked);
}

export async function dropWorktree(repoDir: string, entryPath: string): Promise<void> {
  // A dead run's agent may still be at work in it.
  killProcessesUnder(entryPath);
  await runGit(["worktree", "unlock", entryPath], { cwd: repoDir }).catch(() => undefined);
  if (fs.existsSync(entryPath)) {
    await runGit(["worktree", "remove", "--force", entryPath], { cwd: repoDir });
  }
  await runGit(["worktree", "prune"], { cwd: repoDir });
}

export interface CreateWorktreeOptions {
  repoDir: string;
  worktreePath: string;
  branch: string;
  baseRef: string;
  /** Continue `branch` when it exists (follow-ups, --branch); otherwise an existing branch is an error. */
  reuseBranch?: boolean;
}

export interface CreatedWorktree {
  path: string;
  branch: string;
  /** The commit baseRef pointed to. */
  baseSha: string;
  /** true: a new branch was made from baseRef; false: an existing branch was checked out. */
  created: boolean;
}

/** A GitError of kind bad_ref unless `branch` is a valid new branch name. */
export async function assertBranchName(repoDir: string, branch: string): Promise<void> {
  if (!branch || branch.startsWith("-")) {
    throw new GitError({ kind: "bad_ref", message: `Invalid branch name ${JSON.stringify(branch)}.` });
  }
  await runGit(["check-ref-format", "--branch", branch], { cwd: repoDir }).catch((err: unknown) => {
    throw new GitError({
      kind: "bad_ref",
      message: `Invalid branch name ${JSON.stringify(branch)}: git refuses it (no spaces, '..', '~', '^', ':', '?', '*', '[').`,
      stderr: err instanceof GitError ? err.stderr : "",
      args: ["check-ref-format", "--branch", branch],
    });
  });
}

export async function createWorktree(opts: CreateWorktreeOptions): Promise<CreatedWorktree> {
  const worktreePath = path.resolve(opts.worktreePath);
  const fast = await addNewBranchWorktree(opts.repoDir, worktreePath, opts.branch, opts.baseRef);
  if (fast.ok) return fast.created;
  try {
    return await createWorktreeChecked(opts, worktreePath, fast.madeBranch);
  } catch (err) {
    // Our one-process attempt made the branch before it failed (`add -b` makes it first): take it back.
    if (fast.madeBranch)
      await runGit(["branch", "-D", opts.branch], { cwd: opts.repoDir }).catch(() => undefined);
    throw err;
  }
}

type FastAdd = { ok: true; created: CreatedWorktree } | { ok: false; madeBranch: boolean };

/**
 * The common case in one git process: a new branch at the base in a new directory (`maestro run`: the branch
 * names the run id). `git worktree add -b` itself refuses an invalid branch name, an unknown base, an existing
 * branch and a path already registered, so anything else — or any of these — goes through the checks below,
 * which make the precise error or clear what a dead run left. The base's sha is the new branch's head, read back
 * from its ref file.
 */
async function addNewBranchWorktree(
  repoDir: string,
  worktreePath: string,
  branch: string,
  baseRef: string,
): Promise<FastAdd> {
  const plain = (s: string) => s !== "" && !s.startsWith("-") && !/[\s\0]/.test(s);
  if (!plain(branch) || !plain(baseRef) || fs.existsSync(worktreePath))
    return { ok: false, madeBranch: false };
  fs.mkdirSync(path.dirname(worktreePath), { recursive: true });
  const args = [...NO_HOOKS, "worktree", "add", "--lock", "--reason", lockReason()];
  try {
    await runGit([...args, "-b", branch, worktreePath, `${baseRef}^{commit}`], { cwd: repoDir });
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    if (err.kind === "branch_exists" || err.kind === "not_a_repository" || err.kind === "git_missing")
      return { ok: false, madeBranch: false };
    return { ok: false, madeBranch: await branchExists(repoDir, branch).catch(() => false) };
  }
  const baseSha = await worktreeHead(trustedGitDir(worktreePath), worktreePath);
  return { ok: true, created: { path: worktreePath, branch, baseSha, created: true } };
}

/** Every check first (branch name, base, stale worktrees, who holds the branch), then `worktree add`. */
async function createWorktreeChecked(
  opts: CreateWorktreeOptions,
  worktreePath: string,
  /** The branch exists because our failed attempt made it: it is new, not an existing branch to continue. */
  ownBranch: boolean,
): Promise<CreatedWorktree> {
  const { repoDir, branch } = opts;
  await assertBranchName(repoDir, branch);
  const baseSha = await resolveRef(repoDir, opts.baseRef);

  // Forget worktrees whose directories are gone (unlocked ones), then deal with what is left.
  await runGit(["worktree", "prune"], { cwd: repoDir });
  let entries = await listWorktrees(repoDir);

  const atPath = entries.find((e) => samePath(e.path, worktreePath));
  if (atPath) {
    if (!isStale(atPath, worktreePath)) {
      throw new GitError({
        kind: "worktree_exists",
        message: `A worktree is already registered at ${worktreePath}${atPath.locked ? ` (${atPath.locked})` : ""}. Remove it (maestro cleans up after each run; or git worktree remove --force) or use another path.`,
      });
    }
    await dropWorktree(repoDir, atPath.path);
    entries = await listWorktrees(repoDir);
  }

  const exists = !ownBranch && (await branchExists(repoDir, branch));
  if (exists && !opts.reuseBranch) {
    throw new GitError({
      kind: "branch_exists",
      message: `Branch ${branch} already exists in ${repoDir}. Continue it (reuse the branch / --branch ${branch}) or pick another name.`,
    });
  }

  if (exists) {
    const holder = entries.find((e) => e.branch === branch);
    if (holder) {
      if (!isStale(holder, worktreePath)) {
        throw new GitError({
          kind: "already_checked_out",
          message: `Branch ${branch} is checked out in the worktree at ${holder.path}${holder.locked ? ` (${holder.locked})` : ""}, which is still in use. Wait for that run to end, or remove that worktree.`,
        });
      }
      await dropWorktree(repoDir, holder.path);
    }
  }

  const lock = ["--lock", "--reason", lockReason()];
  fs.mkdirSync(path.dirname(worktreePath), { recursive: true });
  await retryHalfMadeWorktree(async (attempt) => {
    // A failed `add -b` may have made the branch already: then it is ours to check out.
    const branchNow = exists || ownBranch || (attempt > 1 && (await branchExists(repoDir, branch)));
    const args = branchNow
      ? [...NO_HOOKS, "worktree", "add", ...lock, worktreePath, branch]
      : [...NO_HOOKS, "worktree", "add", ...lock, "-b", branch, worktreePath, baseSha];
    return runGit(args, { cwd: repoDir });
  });
  return { path: worktreePath, branch, baseSha, created: !exists };
}

/** Unlock, remove (with --force unless told otherwise) and prune a worktree. The branch is kept. */
export async function removeWorktree(
  repoDir: string,
  worktreePath: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  const force = opts.force ?? true;
  // One process for the usual end of a run: `remove` with --force twice removes a locked, dirty worktree.
  // Anything else (not registered, its directory gone, not forced) goes the long way below.
  if (force && fs.existsSync(worktreePath)) {
    const removed = await runGit([...NO_HOOKS, "worktree", "remove", "--force", "--force", worktreePath], {
      cwd: repoDir,
    }).then(
      () => true,
      () => false,
    );
    if (removed) return;
  }
  const entry = (await listWorktrees(repoDir)).find((e) => samePath(e.path, worktreePath));
  if (entry && !entry.bare) {
    if (entry.locked !== undefined) await runGit(["worktree", "unlock", entry.path], { cwd: repoDir });
    if (fs.existsSync(entry.path)) {
      await runGit(["worktree", "remove", ...(force ? ["--force"] : []), entry.path], { cwd: repoDir });
    }
  }
  await runGit(["worktree", "prune"], { cwd: repoDir });
}
