// A pool of reusable worktrees per repository (DESIGN §6): writing a fresh checkout is most of the cost
// of a run's working copy, so idle worktrees are kept detached and reset to the run's base on reuse.
//
// Layout under `dir` ($MAESTRO_DATA_DIR/worktrees/pool/<owner>/<repo>):
//   <n>/        slot n, a worktree of the repository (detached while idle)
//   <n>.lock    held by a run: "maestro pid N on HOST"; a dead pid's slot is taken over
//   .pool.lock  short mutex around choosing and locking a slot, so processes never share one
import fs from "node:fs";
import path from "node:path";
import { GitError } from "./errors.js";
import { acquireFileLock } from "./file-lock.js";
import { isAbandonedLock, lockReason, parseLockReason } from "./pid.js";
import { branchExists, resolveRef } from "./refs.js";
import { assertRepoSegments } from "./mirror.js";
import { killProcessesUnder } from "./orphan-processes.js";
import { runGit } from "./run-git.js";
import {
  assertBranchName,
  dropWorktree,
  isStale,
  listWorktrees,
  NO_HOOKS,
  retryHalfMadeWorktree,
  samePath,
  type WorktreeEntry,
} from "./worktree.js";

export const DEFAULT_POOL_SIZE = 4;
const SLOT = /^\d+$/;

/** $MAESTRO_DATA_DIR/worktrees/pool/<owner>/<repo> */
export function worktreePoolDir(dataDir: string, owner: string, repo: string): string {
  assertRepoSegments(owner, repo);
  return path.join(path.resolve(dataDir), "worktrees", "pool", owner, repo);
}

export interface WorktreePoolOptions {
  /** The repository the worktrees belong to (the bare mirror for the worker). */
  repoDir: string;
  /** Where the slots live (see worktreePoolDir). */
  dir: string;
  /** Slots kept once their runs are over; runs beyond it still get one, removed on release. Default 4. */
  size?: number;
  /** How long to wait for the pool's mutex (held for milliseconds at a time). Default 60 s. */
  lockTimeoutMs?: number;
}

export interface AcquireWorktreeOptions {
  branch: string;
  baseRef: string;
  /** Continue `branch` when it exists (resumed runs, follow-ups); otherwise an existing branch is an error. */
  reuseBranch?: boolean;
  signal?: AbortSignal;
}

export interface PooledWorktree {
  path: string;
  branch: string;
  /** The commit baseRef pointed to. */
  baseSha: string;
  /** true: a new branch was made from baseRef; false: an existing branch was checked out. */
  created: boolean;
  slot: number;
  /** true when an existing slot was reset rather than a new worktree added. */
  reused: boolean;
}

export class WorktreePool {
  readonly repoDir: string;
  readonly dir: string;
  readonly size: number;
  private readonly lockTimeoutMs: number;
  private commonDir: string | undefined;

  constructor(opts: WorktreePoolOptions) {
    this.repoDir = opts.repoDir;
    this.dir = path.resolve(opts.dir);
    this.size = opts.size ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(this.size) || this.size < 0) {
      throw new Error(`Worktree pool size must be a whole number ≥ 0, got ${String(opts.size)}.`);
    }
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
  }

  slotPath(slot: number): string {
    return path.join(this.dir, String(slot));
  }

  /**
   * A worktree on `branch` holding exactly the branch's tree (new branches: baseRef's), with no
   * untracked, ignored or modified files: an idle slot reset, else a new one. Release it after the run.
   */
  async acquire(opts: AcquireWorktreeOptions): Promise<PooledWorktree> {
    const { branch } = opts;
    await assertBranchName(this.repoDir, branch);
    const baseSha = await resolveRef(this.repoDir, opts.baseRef);
    const exists = await branchExists(this.repoDir, branch);
    if (exists && !opts.reuseBranch) {
      throw new GitError({
        kind: "branch_exists",
        message: `Branch ${branch} already exists in ${this.repoDir}. Continue it (reuse the branch / --branch ${branch}) or pick another name.`,
      });
    }
    const { slot, registered } = await this.claimSlot(branch, opts.signal);
    // An unheld slot has no live run; anything still working in it is a dead run's orphaned agent.
    killProcessesUnder(this.slotPath(slot));
    try {
      const created = await this.prepare(slot, registered, branch, baseSha, exists);
      return { path: this.slotPath(slot), branch, baseSha, created, slot, reused: registered };
    } catch (err) {
      this.unlockSlot(slot);
      throw err;
    }
  }

  /** Detach the slot so its branch is free and clean it; keep it, or drop it when the pool is over size. */
  async release(wt: { path: string }): Promise<void> {
    const slot = this.slotOf(wt.path);
    if (slot === undefined) throw new Error(`${wt.path} is not a slot of the worktree pool at ${this.dir}.`);
    try {
      const slots = this.scan().slots;
      if (slots.length > this.size) {
        await this.removeSlot(slot);
      } else {
        try {
          const cwd = this.slotPath(slot);
          // Detach without touching files (the next acquire's checkout -f resets them); clean now, so
          // an idle slot holds no build outputs or other leftovers on disk.
          await runGit(["update-ref", "--no-deref", "-m", "maestro: release", "HEAD", "HEAD"], { cwd });
          await runGit(["clean", "-ffdxq"], { cwd });
        } catch {
          // Whatever went wrong, the next run would inherit it: drop the slot instead.
          await this.removeSlot(slot);
        }
      }
    } finally {
      this.unlockSlot(slot);
    }
  }

  /** Remove idle slots beyond the size, and lock files whose slot or holder is gone. */
  async prune(): Promise<void> {
    const release = await acquireFileLock(path.join(this.dir, ".pool.lock"), {
      timeoutMs: this.lockTimeoutMs,
    });
    const drop: number[] = [];
    try {
      const { slots, locks } = this.scan();
      for (const n of locks) if (!slots.includes(n) && !this.isHeld(n)) this.unlockSlot(n, true);
      const idle = slots.filter((n) => !this.isHeld(n));
      let extra = slots.length - this.size;
      for (const n of idle.reverse()) {
        if (extra-- <= 0) break;
        this.writeLock(n);
        drop.push(n);
      }
    } finally {
      release();
    }
    for (const n of drop) {
      try {
        await this.removeSlot(n);
      } finally {
        this.unlockSlot(n);
      }
    }
  }

  // Under the pool mutex: pick the slot (the branch's dead holder, an idle slot, or a new number) and lock it.
  private async claimSlot(
    branch: string,
    signal?: AbortSignal,
  ): Promise<{ slot: number; registered: boolean }> {
    fs.mkdirSync(this.dir, { recursive: true });
    const release = await acquireFileLock(path.join(this.dir, ".pool.lock"), {
      timeoutMs: this.lockTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    try {
      const entries = await listWorktrees(this.repoDir);
      const { slots, locks } = this.scan();
      const registered = (n: number) => entries.some((e) => samePath(e.path, this.slotPath(n)));
      let chosen: number | undefined;

      // A branch can be checked out in one worktree only: a dead run's slot holding it is taken over.
      const holder = entries.find((e) => e.branch === branch);
      if (holder) {
        const held = this.slotOf(holder.path);
        if (held !== undefined && !this.isHeld(held)) chosen = held;
        else if (held === undefined && isStale(holder, holder.path))
          await dropWorktree(this.repoDir, holder.path);
        else throw checkedOutError(branch, holder);
      }
      chosen ??= slots.find((n) => !this.isHeld(n) && registered(n));
      chosen ??= slots.find((n) => !this.isHeld(n));
      if (chosen === undefined) {
        const used = new Set([...slots, ...locks]);
        chosen = 0;
        while (used.has(chosen)) chosen++;
      }
      this.writeLock(chosen);
      return {
        slot: chosen,
        registered: registered(chosen) && fs.existsSync(path.join(this.slotPath(chosen), ".git")),
      };
    } finally {
      release();
    }
  }

  // Holding the slot's lock: bring it to exactly the run's tree. A slot that will not reset is recreated.
  private async prepare(
    slot: number,
    registered: boolean,
    branch: string,
    baseSha: string,
    exists: boolean,
  ): Promise<boolean> {
    const cwd = this.slotPath(slot);
    if (registered) {
      try {
        // checkout -f makes index and tracked files the commit's (dropping what the last run changed or
        // staged, as reset --hard would, in the same pass); clean -ffdx removes untracked and ignored
        // files and nested repositories.
        const checkout = exists ? [branch] : ["-b", branch, baseSha];
        await retryHalfMadeWorktree(() =>
          runGit([...NO_HOOKS, "checkout", "--quiet", "--force", "--no-recurse-submodules", ...checkout], {
            cwd,
          }),
        );
        await runGit(["clean", "-ffdxq"], { cwd });
        return !exists;
      } catch (err) {
        // A branch held by a live worktree is not the slot's fault.
        if (err instanceof GitError && (err.kind === "already_checked_out" || err.kind === "branch_exists"))
          throw err;
        await this.removeSlot(slot);
      }
    } else {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
    // Never `git worktree prune` here: run beside another process's `worktree add`, it can delete that
    // worktree's half-made admin dir. Only this slot's registration is forgotten. One retry, because
    // someone else's prune (a run's cleanup) can still catch our add in that window.
    for (let attempt = 1; ; attempt++) {
      await this.forgetSlot(slot);
      // A failed `add -b` may have made the branch already: then it is ours to check out.
      const branchNow = exists || (attempt > 1 && (await branchExists(this.repoDir, branch)));
      const args = branchNow
        ? [...NO_HOOKS, "worktree", "add", "--quiet", cwd, branch]
        : [...NO_HOOKS, "worktree", "add", "--quiet", "-b", branch, cwd, baseSha];
      try {
        await retryHalfMadeWorktree(() => runGit(args, { cwd: this.repoDir }));
        return !exists;
      } catch (err) {
        if (attempt >= 2 || (err instanceof GitError && err.kind === "already_checked_out")) throw err;
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    }
  }

  /** Drop the admin dir (in the repository's worktrees/) that registers this slot, if any. */
  private async forgetSlot(slot: number): Promise<void> {
    this.commonDir ??= path.resolve(
      this.repoDir,
      (await runGit(["rev-parse", "--git-common-dir"], { cwd: this.repoDir })).stdout.trim(),
    );
    const admin = path.join(this.commonDir, "worktrees");
    let names: string[] = [];
    try {
      names = fs.readdirSync(admin);
    } catch {
      return;
    }
    for (const name of names) {
      let gitdir: string;
      try {
        gitdir = fs.readFileSync(path.join(admin, name, "gitdir"), "utf8").trim();
      } catch {
        continue; // being made by someone right now, or not ours to judge
      }
      if (samePath(path.dirname(gitdir), this.slotPath(slot))) {
        fs.rmSync(path.join(admin, name), { recursive: true, force: true });
      }
    }
  }

  private async removeSlot(slot: number): Promise<void> {
    const cwd = this.slotPath(slot);
    await runGit(["worktree", "remove", "--force", "--force", cwd], { cwd: this.repoDir }).catch(
      () => undefined,
    );
    fs.rmSync(cwd, { recursive: true, force: true });
    await this.forgetSlot(slot);
  }

  private scan(): { slots: number[]; locks: number[] } {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      // no pool yet
    }
    const num = (a: number, b: number) => a - b;
    return {
      slots: names
        .filter((n) => SLOT.test(n))
        .map(Number)
        .sort(num),
      locks: names
        .filter((n) => n.endsWith(".lock") && SLOT.test(n.slice(0, -5)))
        .map((n) => Number(n.slice(0, -5)))
        .sort(num),
    };
  }

  slotOf(p: string): number | undefined {
    const name = path.basename(p);
    if (!SLOT.test(name) || !samePath(path.dirname(p), this.dir)) return undefined;
    return Number(name);
  }

  private lockPath(slot: number): string {
    return path.join(this.dir, `${slot}.lock`);
  }

  /** Held by a live process (or one on another host, which we cannot check). Unreadable = a crash mid-write. */
  private isHeld(slot: number): boolean {
    const lockPath = this.lockPath(slot);
    let holder: string;
    let writtenMs: number;
    try {
      holder = fs.readFileSync(lockPath, "utf8").split("\n")[0] ?? "";
      writtenMs = fs.statSync(lockPath).mtimeMs;
    } catch {
      return false;
    }
    return parseLockReason(holder) !== null && !isAbandonedLock(holder, writtenMs, heldHere.has(lockPath));
  }

  // Only ever called under the pool mutex, so replacing a dead holder's lock races with no one.
  private writeLock(slot: number): void {
    fs.writeFileSync(this.lockPath(slot), `${lockReason()}\n${new Date().toISOString()}\n`);
    heldHere.add(this.lockPath(slot));
  }

  private unlockSlot(slot: number, evenIfNotMine = false): void {
    const p = this.lockPath(slot);
    heldHere.delete(p);
    try {
      if (evenIfNotMine || fs.readFileSync(p, "utf8").startsWith(`${lockReason()}\n`)) fs.unlinkSync(p);
    } catch {
      // already gone
    }
  }
}

/** Slot locks this process holds (by path): with pid reuse, the pid alone does not say it. */
const heldHere = new Set<string>();

function checkedOutError(branch: string, holder: WorktreeEntry): GitError {
  return new GitError({
    kind: "already_checked_out",
    message: `Branch ${branch} is checked out in the worktree at ${holder.path}, which is still in use. Wait for that run to end, or remove that worktree.`,
  });
}
