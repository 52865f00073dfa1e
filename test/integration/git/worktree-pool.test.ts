import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { GitError } from "../../../src/git/errors.js";
import { lockReason } from "../../../src/git/pid.js";
import { createWorktree, listWorktrees, removeWorktree } from "../../../src/git/worktree.js";
import { WorktreePool, worktreePoolDir } from "../../../src/git/worktree-pool.js";
import {
  branchCommits,
  engineFixture,
  ofType,
  runEngine,
  THREE_TASKS,
  WRITE_TASK_FILE,
} from "../../helpers/engine-run.js";
import { gitIn, makeTempDir, makeTempRepo, TEST_GIT_ENV, type TempRepo } from "../../helpers/git-repo.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const FILES = {
  "README.md": "# pool\n",
  ".gitignore": "*.log\nbuild/\n",
  "src/a.ts": "export const a = 1;\n",
  "src/b.ts": "export const b = 2;\n",
};

async function setup(size = 4): Promise<{ repo: TempRepo; pool: WorktreePool; dataDir: string }> {
  const repo = await makeTempRepo(FILES);
  const dataDir = await makeTempDir("maestro-pool-");
  cleanups.push(repo.cleanup, () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const pool = new WorktreePool({ repoDir: repo.dir, dir: worktreePoolDir(dataDir, "octo", "hello"), size });
  return { repo, pool, dataDir };
}

/** Every file under dir except .git, relative, sorted. */
function filesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === ".git") continue;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk("");
  return out.sort();
}

/** The tree is exactly `ref`'s: same file list and contents, nothing untracked, ignored, staged or modified. */
async function expectExactly(dir: string, repo: TempRepo, ref: string): Promise<void> {
  const tracked = (await repo.git("ls-tree", "-r", "--name-only", ref)).split("\n").sort();
  expect(filesIn(dir)).toEqual(tracked);
  expect(await gitIn(dir, "status", "--porcelain", "--ignored", "--untracked-files=all")).toBe("");
  for (const f of tracked) {
    expect(await gitIn(dir, "hash-object", "--", f)).toBe(await repo.git("rev-parse", `${ref}:${f}`));
  }
}

/** Leaves every kind of leftover a run can leave: modified, deleted, staged, untracked, ignored, a nested repo, a commit. */
async function dirty(dir: string): Promise<void> {
  fs.writeFileSync(path.join(dir, "src/a.ts"), "export const a = 'changed';\n");
  fs.rmSync(path.join(dir, "src/b.ts"));
  fs.writeFileSync(path.join(dir, "staged.txt"), "staged\n");
  await gitIn(dir, "add", "staged.txt");
  fs.writeFileSync(path.join(dir, "untracked.txt"), "untracked\n");
  fs.mkdirSync(path.join(dir, "build/deep"), { recursive: true });
  fs.writeFileSync(path.join(dir, "build/deep/out.js"), "ignored\n");
  fs.writeFileSync(path.join(dir, "debug.log"), "ignored\n");
  fs.mkdirSync(path.join(dir, "nested"));
  await gitIn(path.join(dir, "nested"), "init", "--quiet");
}

function spawnHolder(env: Record<string, string>): {
  child: ChildProcess;
  acquired: Promise<{ path: string; slot: number }>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/pool-child.ts"], {
    cwd: process.cwd(),
    env: { ...TEST_GIT_ENV, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const acquired = new Promise<{ path: string; slot: number }>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as { path: string; slot: number });
    });
    child.on("exit", (code) => reject(new Error(`pool child exited with ${code}: ${err}`)));
  });
  return { child, acquired };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

describe("WorktreePool", () => {
  it("reuses a released slot as exactly the base tree on the new branch, whatever the last run left", async () => {
    const { repo, pool } = await setup();
    const first = await pool.acquire({ branch: "maestro/one", baseRef: "main" });
    expect(first).toMatchObject({ slot: 0, reused: false, created: true, branch: "maestro/one" });
    await expectExactly(first.path, repo, "main");
    fs.writeFileSync(path.join(first.path, "done.txt"), "task\n");
    await gitIn(first.path, "add", "done.txt");
    await gitIn(first.path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "task");
    await dirty(first.path);
    await pool.release(first);

    // The base moved on meanwhile, as it does between runs.
    fs.writeFileSync(path.join(repo.dir, "src/c.ts"), "export const c = 3;\n");
    await repo.git("add", "src/c.ts");
    await repo.git("commit", "-q", "-m", "base moves");
    const main = await repo.git("rev-parse", "main");

    const second = await pool.acquire({ branch: "maestro/two", baseRef: "main" });
    expect(second).toMatchObject({ slot: 0, reused: true, created: true, path: first.path, baseSha: main });
    await expectExactly(second.path, repo, "main");
    expect(await gitIn(second.path, "rev-parse", "HEAD")).toBe(main);
    expect(await gitIn(second.path, "symbolic-ref", "--short", "HEAD")).toBe("maestro/two");
    // The first run's commit is still on its branch.
    expect(await repo.git("show", "maestro/one:done.txt")).toBe("task");
    await pool.release(second);
  });

  it("continues an existing branch on a reused slot (resumed runs) and refuses one without reuseBranch", async () => {
    const { repo, pool } = await setup();
    const a = await pool.acquire({ branch: "maestro/resume", baseRef: "main" });
    fs.writeFileSync(path.join(a.path, "t1.txt"), "1\n");
    await gitIn(a.path, "add", "t1.txt");
    await gitIn(a.path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "t1");
    const tip = await gitIn(a.path, "rev-parse", "HEAD");
    await dirty(a.path);
    await pool.release(a);

    await expect(pool.acquire({ branch: "maestro/resume", baseRef: "main" })).rejects.toMatchObject({
      kind: "branch_exists",
    });
    const b = await pool.acquire({ branch: "maestro/resume", baseRef: "main", reuseBranch: true });
    expect(b).toMatchObject({ slot: 0, reused: true, created: false });
    expect(await gitIn(b.path, "rev-parse", "HEAD")).toBe(tip);
    await expectExactly(b.path, repo, "maestro/resume");
    await pool.release(b);
  });

  it("frees the branch on release: it can be checked out in another worktree", async () => {
    const { repo, pool, dataDir } = await setup();
    const wt = await pool.acquire({ branch: "maestro/free", baseRef: "main" });
    // Held: nobody else may check it out.
    await expect(
      createWorktree({
        repoDir: repo.dir,
        worktreePath: path.join(dataDir, "other"),
        branch: "maestro/free",
        baseRef: "main",
        reuseBranch: true,
      }),
    ).rejects.toMatchObject({ kind: "already_checked_out" });
    await expect(
      pool.acquire({ branch: "maestro/free", baseRef: "main", reuseBranch: true }),
    ).rejects.toMatchObject({
      kind: "already_checked_out",
    });
    await pool.release(wt);
    const entry = (await listWorktrees(repo.dir)).find((e) => e.path === wt.path);
    expect(entry).toMatchObject({ detached: true });
    expect(entry?.branch).toBeUndefined();
    const other = await createWorktree({
      repoDir: repo.dir,
      worktreePath: path.join(dataDir, "other"),
      branch: "maestro/free",
      baseRef: "main",
      reuseBranch: true,
    });
    expect(await gitIn(other.path, "symbolic-ref", "--short", "HEAD")).toBe("maestro/free");
    await removeWorktree(repo.dir, other.path);
  });

  it("never gives one slot to two acquirers at once, in one process or across processes", async () => {
    const { repo, pool } = await setup(2);
    const inProcess = await Promise.all(
      Array.from({ length: 4 }, (_v, i) => pool.acquire({ branch: `maestro/p${i}`, baseRef: "main" })),
    );
    const holders = Array.from({ length: 3 }, (_v, i) =>
      spawnHolder({ POOL_REPO: repo.dir, POOL_DIR: pool.dir, POOL_BRANCH: `maestro/c${i}`, POOL_SIZE: "2" }),
    );
    const crossProcess = await Promise.all(holders.map((h) => h.acquired));
    const slots = [...inProcess.map((w) => w.slot), ...crossProcess.map((w) => w.slot)];
    expect(new Set(slots).size).toBe(7);
    for (const w of inProcess) {
      expect(await gitIn(w.path, "symbolic-ref", "--short", "HEAD")).toBe(w.branch);
    }
    for (const h of holders) h.child.stdin!.write("release\n");
    await Promise.all(holders.map((h) => exited(h.child)));
    for (const w of inProcess) await pool.release(w);
    // Over the size, released slots are removed: 2 remain.
    const left = fs.readdirSync(pool.dir).filter((n) => /^\d+$/.test(n));
    expect(left).toHaveLength(2);
    expect((await listWorktrees(repo.dir)).filter((e) => e.path.startsWith(pool.dir))).toHaveLength(2);
    expect(fs.readdirSync(pool.dir).filter((n) => n.endsWith(".lock") && n !== ".pool.lock")).toEqual([]);
  });

  it("takes over the slot of a SIGKILLed holder, with its branch, and resets it", async () => {
    const { repo, pool } = await setup(1);
    const holder = spawnHolder({
      POOL_REPO: repo.dir,
      POOL_DIR: pool.dir,
      POOL_BRANCH: "maestro/killed",
      POOL_SIZE: "1",
    });
    const held = await holder.acquired;
    // While it lives, its slot is not handed out again: a new acquirer gets a new slot.
    const meanwhile = await pool.acquire({ branch: "maestro/meanwhile", baseRef: "main" });
    expect(meanwhile.slot).not.toBe(held.slot);
    await pool.release(meanwhile);

    holder.child.kill("SIGKILL");
    await exited(holder.child);
    expect(fs.existsSync(path.join(held.path, `stray-${holder.child.pid}.txt`))).toBe(true);

    // The resumed run wants the dead run's branch, still checked out in the dead slot: it gets that slot.
    const resumed = await pool.acquire({ branch: "maestro/killed", baseRef: "main", reuseBranch: true });
    expect(resumed).toMatchObject({ slot: held.slot, reused: true, created: false });
    await expectExactly(resumed.path, repo, "main");
    await pool.release(resumed);

    // An unrelated run takes the dead run's slot too rather than adding one.
    const holder2 = spawnHolder({
      POOL_REPO: repo.dir,
      POOL_DIR: pool.dir,
      POOL_BRANCH: "maestro/killed2",
      POOL_SIZE: "1",
    });
    const held2 = await holder2.acquired;
    holder2.child.kill("SIGKILL");
    await exited(holder2.child);
    const next = await pool.acquire({ branch: "maestro/next", baseRef: "main" });
    expect(next.slot).toBe(held2.slot);
    await expectExactly(next.path, repo, "main");
    await pool.release(next);
    // The branch the dead holder had is free again.
    const again = await pool.acquire({ branch: "maestro/killed2", baseRef: "main", reuseBranch: true });
    expect(again.slot).toBe(held2.slot);
    await pool.release(again);
  });

  it("does not mistake a reused pid for the holder (a restarted container's pid 1, or another process)", async () => {
    const { repo, pool } = await setup(1);
    const a = await pool.acquire({ branch: "maestro/before-restart", baseRef: "main" });
    await pool.release(a);
    const lockFile = path.join(pool.dir, `${a.slot}.lock`);
    const past = new Date(Date.now() - 3600_000);

    // Our own pid, but not a lock this process took: written by an earlier life of this pid.
    fs.writeFileSync(lockFile, `${lockReason(process.pid)}\n${past.toISOString()}\n`);
    fs.utimesSync(lockFile, past, past);
    const b = await pool.acquire({ branch: "maestro/after-restart", baseRef: "main" });
    expect(b.slot).toBe(a.slot);
    await pool.release(b);

    // A live process that started after the lock was written did not write it.
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    cleanups.push(() => void sleeper.kill("SIGKILL"));
    fs.writeFileSync(lockFile, `${lockReason(sleeper.pid!)}\n${past.toISOString()}\n`);
    fs.utimesSync(lockFile, past, past);
    const c = await pool.acquire({ branch: "maestro/pid-reused", baseRef: "main" });
    expect(c.slot).toBe(a.slot);
    await expectExactly(c.path, repo, "main");
    await pool.release(c);

    // The same live process, written after it started: its slot is left alone.
    fs.writeFileSync(lockFile, `${lockReason(sleeper.pid!)}\n${new Date().toISOString()}\n`);
    const d = await pool.acquire({ branch: "maestro/held", baseRef: "main" });
    expect(d.slot).not.toBe(a.slot);
    await pool.release(d);
    fs.rmSync(lockFile);

    // The pool's mutex, left behind by an earlier life of this pid, does not block either.
    const mutex = path.join(pool.dir, ".pool.lock");
    fs.writeFileSync(mutex, `${lockReason(process.pid)}\n${past.toISOString()}\n`);
    fs.utimesSync(mutex, past, past);
    const quick = new WorktreePool({ repoDir: repo.dir, dir: pool.dir, size: 1, lockTimeoutMs: 3000 });
    const e = await quick.acquire({ branch: "maestro/after-mutex", baseRef: "main" });
    expect(e.slot).toBe(a.slot);
    await quick.release(e);
  });

  it("removes and recreates a corrupt slot", async () => {
    const { repo, pool } = await setup();
    const wt = await pool.acquire({ branch: "maestro/c1", baseRef: "main" });
    await pool.release(wt);
    // The slot's link to its repository is gone.
    fs.writeFileSync(path.join(wt.path, ".git"), "gitdir: /nonexistent\n");
    fs.writeFileSync(path.join(wt.path, "junk.txt"), "junk\n");
    const again = await pool.acquire({ branch: "maestro/c2", baseRef: "main" });
    expect(again.slot).toBe(wt.slot);
    await expectExactly(again.path, repo, "main");
    expect(await gitIn(again.path, "symbolic-ref", "--short", "HEAD")).toBe("maestro/c2");
    await pool.release(again);

    // A slot directory that is not a registered worktree at all (a crash mid-add) is replaced too.
    await removeWorktree(repo.dir, again.path);
    fs.mkdirSync(again.path, { recursive: true });
    fs.writeFileSync(path.join(again.path, "half.txt"), "half\n");
    const third = await pool.acquire({ branch: "maestro/c3", baseRef: "main" });
    expect(third).toMatchObject({ slot: wt.slot, reused: false });
    await expectExactly(third.path, repo, "main");
    await pool.release(third);
  });

  it("prunes idle slots beyond its size", async () => {
    const { pool } = await setup(3);
    const wts = await Promise.all(
      [0, 1, 2].map((i) => pool.acquire({ branch: `maestro/s${i}`, baseRef: "main" })),
    );
    for (const w of wts) await pool.release(w);
    const smaller = new WorktreePool({ repoDir: pool.repoDir, dir: pool.dir, size: 1 });
    await smaller.prune();
    expect(fs.readdirSync(pool.dir).filter((n) => /^\d+$/.test(n))).toEqual(["0"]);
  });

  it("rejects bad input with a clear error", async () => {
    const { pool } = await setup();
    await expect(pool.acquire({ branch: "bad branch", baseRef: "main" })).rejects.toBeInstanceOf(GitError);
    await expect(pool.acquire({ branch: "maestro/x", baseRef: "no-such-ref" })).rejects.toMatchObject({
      kind: "bad_ref",
    });
    expect(() => worktreePoolDir("/d", "..", "r")).toThrow(/Invalid owner/);
  });
});

describe("runPlaybook with a worktree pool", () => {
  it("runs twice on one reused slot: each run starts from the base, commits its own tasks, frees its branch", async () => {
    const fx = await engineFixture({ ...FILES });
    cleanups.push(() => fx.cleanup());
    const pool = new WorktreePool({
      repoDir: fx.repo.dir,
      dir: worktreePoolDir(fx.dataDir, "octo", "hello"),
      size: 1,
    });
    // The agent fails unless the tree is the base's; then writes its file and some ignored junk.
    const agentCommand = [
      `{ [ "$MAESTRO_TASK_INDEX" != 0 ] || test -z "$(git status --porcelain --ignored --untracked-files=all)" || exit 3; }`,
      WRITE_TASK_FILE,
      `mkdir -p build && echo junk > build/junk.txt`,
    ].join(" && ");

    const one = await runEngine(fx, THREE_TASKS, {
      runId: "r1pool000001",
      agentCommand,
      worktreePool: pool,
    });
    expect(one.result).toMatchObject({ status: "succeeded", tasksDone: 3 });
    const two = await runEngine(fx, THREE_TASKS, {
      runId: "r2pool000002",
      agentCommand,
      worktreePool: pool,
    });
    expect(two.result).toMatchObject({ status: "succeeded", tasksDone: 3 });
    expect(two.result.worktreePath).toBe(one.result.worktreePath);
    expect(two.result.worktreePath).toBe(pool.slotPath(0));

    for (const run of [one, two]) {
      const branch = run.result.branch;
      const commits = await branchCommits(fx.repo, branch);
      expect(commits.map((c) => [c.task, c.run])).toEqual([
        ["0", run.result.runId],
        ["1", run.result.runId],
        ["2", run.result.runId],
      ]);
      expect(ofType(run.events, "task.committed").map((e) => e.sha)).toEqual(commits.map((c) => c.sha));
      const files = (await fx.repo.git("ls-tree", "-r", "--name-only", branch)).split("\n").sort();
      expect(files).toEqual([...Object.keys(FILES), "task-0.txt", "task-1.txt", "task-2.txt"].sort());
    }
    // Both branches are free and the slot is idle, detached and clean.
    const entries = await listWorktrees(fx.repo.dir);
    expect(entries.filter((e) => e.branch?.startsWith("maestro/"))).toEqual([]);
    expect(await gitIn(pool.slotPath(0), "status", "--porcelain", "--ignored", "--untracked-files=all")).toBe(
      "",
    );
    expect(fs.existsSync(path.join(fx.dataDir, "worktrees", "r1pool000001"))).toBe(false);
  });
});
