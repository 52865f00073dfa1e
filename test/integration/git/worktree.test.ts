import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { GitError } from "../../../src/git/errors.js";
import { lockReason } from "../../../src/git/pid.js";
import {
  branchExists,
  createWorktree,
  currentBranch,
  isWorkingTreeClean,
  listWorktrees,
  removeWorktree,
  resolveRef,
} from "../../../src/git/worktree.js";
import { makeTempDir, makeTempRepo, type TempRepo } from "../../helpers/git-repo.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function setup(): Promise<{ r: TempRepo; root: string }> {
  const r = await makeTempRepo({ "README.md": "# hi\n", "src/a.ts": "export const a = 1;\n" });
  const root = await makeTempDir("maestro-wt-");
  cleanups.push(r.cleanup, () => fs.rm(root, { recursive: true, force: true }));
  return { r, root };
}
async function caught(p: Promise<unknown>): Promise<GitError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GitError) return err;
    throw err;
  }
  throw new Error("expected a GitError");
}
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise((r) => child.on("exit", r));
  return pid;
}

describe("ref queries", () => {
  it("resolves refs, knows branches, the current branch and cleanliness", async () => {
    const { r } = await setup();
    const head = await r.git("rev-parse", "HEAD");
    expect(await resolveRef(r.dir, "main")).toBe(head);
    expect(await resolveRef(r.dir, head.slice(0, 10))).toBe(head);
    const err = await caught(resolveRef(r.dir, "nope"));
    expect(err.kind).toBe("bad_ref");
    expect(err.message).toMatch(/Unknown ref "nope"/);
    expect((await caught(resolveRef(r.dir, "--all"))).kind).toBe("bad_ref");
    expect(await branchExists(r.dir, "main")).toBe(true);
    expect(await branchExists(r.dir, "nope")).toBe(false);
    expect(await currentBranch(r.dir)).toBe("main");
    await r.git("checkout", "-q", "--detach");
    expect(await currentBranch(r.dir)).toBeNull();
    expect(await isWorkingTreeClean(r.dir)).toBe(true);
    await fs.writeFile(path.join(r.dir, "untracked.txt"), "x");
    expect(await isWorkingTreeClean(r.dir)).toBe(false);
  });

  it("fails with not_a_repository outside a repo", async () => {
    const dir = await makeTempDir();
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    process.env.GIT_CEILING_DIRECTORIES = path.dirname(dir);
    try {
      expect((await caught(branchExists(dir, "main"))).kind).toBe("not_a_repository");
    } finally {
      delete process.env.GIT_CEILING_DIRECTORIES;
    }
  });
});

describe("createWorktree / removeWorktree", () => {
  it("creates a new branch from the base ref in a locked worktree", async () => {
    const { r, root } = await setup();
    const wtPath = path.join(root, "run-1");
    const wt = await createWorktree({
      repoDir: r.dir,
      worktreePath: wtPath,
      branch: "maestro/1-fix-abc",
      baseRef: "main",
    });
    expect(wt).toEqual({
      path: wtPath,
      branch: "maestro/1-fix-abc",
      baseSha: await r.git("rev-parse", "main"),
      created: true,
    });
    expect(await fs.readFile(path.join(wtPath, "src/a.ts"), "utf8")).toBe("export const a = 1;\n");
    expect(await currentBranch(wtPath)).toBe("maestro/1-fix-abc");
    const entry = (await listWorktrees(r.dir)).find((e) => e.branch === "maestro/1-fix-abc");
    expect(entry?.locked).toBe(lockReason());
    // The branch does not track the base (nothing to push to by accident).
    await expect(r.git("config", "branch.maestro/1-fix-abc.merge")).rejects.toThrow();
  });

  it("refuses an existing branch unless asked to continue it, then checks it out with its commits", async () => {
    const { r, root } = await setup();
    await r.git("branch", "feature");
    const err = await caught(
      createWorktree({
        repoDir: r.dir,
        worktreePath: path.join(root, "a"),
        branch: "feature",
        baseRef: "main",
      }),
    );
    expect(err.kind).toBe("branch_exists");
    expect(err.message).toMatch(/Branch feature already exists/);

    const first = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "b"),
      branch: "feature",
      baseRef: "main",
      reuseBranch: true,
    });
    expect(first.created).toBe(false);
    await fs.writeFile(path.join(first.path, "new.txt"), "x\n");
    await r.git("-C", first.path, "add", "new.txt");
    await r.git("-C", first.path, "commit", "-qm", "work");
    const tip = await r.git("rev-parse", "feature");
    await removeWorktree(r.dir, first.path);
    expect(existsSync(first.path)).toBe(false);
    expect(await r.git("rev-parse", "feature")).toBe(tip); // branch kept

    const again = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "c"),
      branch: "feature",
      baseRef: "main",
      reuseBranch: true,
    });
    expect(await r.git("-C", again.path, "rev-parse", "HEAD")).toBe(tip);
    expect(await fs.readFile(path.join(again.path, "new.txt"), "utf8")).toBe("x\n");
  });

  it("refuses a branch checked out in a live worktree (here: the main one, and one we hold)", async () => {
    const { r, root } = await setup();
    const e1 = await caught(
      createWorktree({
        repoDir: r.dir,
        worktreePath: path.join(root, "a"),
        branch: "main",
        baseRef: "main",
        reuseBranch: true,
      }),
    );
    expect(e1.kind).toBe("already_checked_out");
    await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "b"),
      branch: "run-b",
      baseRef: "main",
    });
    const e2 = await caught(
      createWorktree({
        repoDir: r.dir,
        worktreePath: path.join(root, "c"),
        branch: "run-b",
        baseRef: "main",
        reuseBranch: true,
      }),
    );
    expect(e2.kind).toBe("already_checked_out");
    expect(e2.message).toContain(path.join(root, "b"));
  });

  it("takes over a branch whose worktree directory was deleted (even while locked)", async () => {
    const { r, root } = await setup();
    const old = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "old"),
      branch: "run-x",
      baseRef: "main",
    });
    await fs.rm(old.path, { recursive: true, force: true });
    const wt = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "new"),
      branch: "run-x",
      baseRef: "main",
      reuseBranch: true,
    });
    expect(wt.created).toBe(false);
    const paths = (await listWorktrees(r.dir)).map((e) => e.path);
    expect(paths).toContain(wt.path);
    expect(paths).not.toContain(old.path);
  });

  it("removes a sibling worktree locked by a dead maestro pid, but not one locked by a live pid", async () => {
    const { r, root } = await setup();
    const old = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "old"),
      branch: "run-y",
      baseRef: "main",
    });
    await r.git("worktree", "unlock", old.path);
    await r.git("worktree", "lock", "--reason", lockReason(process.ppid), old.path); // our parent: alive
    const live = await caught(
      createWorktree({
        repoDir: r.dir,
        worktreePath: path.join(root, "new"),
        branch: "run-y",
        baseRef: "main",
        reuseBranch: true,
      }),
    );
    expect(live.kind).toBe("already_checked_out");

    await r.git("worktree", "unlock", old.path);
    await r.git("worktree", "lock", "--reason", lockReason(await deadPid()), old.path);
    await fs.writeFile(path.join(old.path, "dirty.txt"), "left by the dead run");
    const wt = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "new"),
      branch: "run-y",
      baseRef: "main",
      reuseBranch: true,
    });
    expect(wt.created).toBe(false);
    expect(existsSync(old.path)).toBe(false);
  });

  it("does not touch a dead-pid worktree outside our worktrees root", async () => {
    const { r, root } = await setup();
    const elsewhere = await makeTempDir("maestro-elsewhere-");
    cleanups.push(() => fs.rm(elsewhere, { recursive: true, force: true }));
    const old = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(elsewhere, "old"),
      branch: "run-z",
      baseRef: "main",
    });
    await r.git("worktree", "unlock", old.path);
    await r.git("worktree", "lock", "--reason", lockReason(await deadPid()), old.path);
    const err = await caught(
      createWorktree({
        repoDir: r.dir,
        worktreePath: path.join(root, "new"),
        branch: "run-z",
        baseRef: "main",
        reuseBranch: true,
      }),
    );
    expect(err.kind).toBe("already_checked_out");
    expect(existsSync(old.path)).toBe(true);
  });

  it("reports a bad base ref and a bad branch name clearly", async () => {
    const { r, root } = await setup();
    const e1 = await caught(
      createWorktree({
        repoDir: r.dir,
        worktreePath: path.join(root, "a"),
        branch: "ok",
        baseRef: "origin/nope",
      }),
    );
    expect(e1.kind).toBe("bad_ref");
    const e2 = await caught(
      createWorktree({
        repoDir: r.dir,
        worktreePath: path.join(root, "a"),
        branch: "bad name..",
        baseRef: "main",
      }),
    );
    expect(e2.kind).toBe("bad_ref");
    expect(e2.message).toMatch(/Invalid branch name/);
    expect(await branchExists(r.dir, "ok")).toBe(false);
  });

  it("refuses a path already holding a live worktree", async () => {
    const { r, root } = await setup();
    const p = path.join(root, "a");
    await createWorktree({ repoDir: r.dir, worktreePath: p, branch: "one", baseRef: "main" });
    const err = await caught(
      createWorktree({ repoDir: r.dir, worktreePath: p, branch: "two", baseRef: "main" }),
    );
    expect(err.kind).toBe("worktree_exists");
  });

  it("removes a dirty, locked worktree, keeps the branch, and is idempotent", async () => {
    const { r, root } = await setup();
    const wt = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "a"),
      branch: "keep-me",
      baseRef: "main",
    });
    await fs.writeFile(path.join(wt.path, "README.md"), "changed\n");
    await fs.writeFile(path.join(wt.path, "new.txt"), "untracked\n");
    await removeWorktree(r.dir, wt.path);
    expect(existsSync(wt.path)).toBe(false);
    expect(await branchExists(r.dir, "keep-me")).toBe(true);
    expect((await listWorktrees(r.dir)).map((e) => e.path)).toEqual([r.dir]);
    await removeWorktree(r.dir, wt.path); // already gone: no error
  });

  it("without force, refuses to throw away uncommitted work", async () => {
    const { r, root } = await setup();
    const wt = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "a"),
      branch: "wip",
      baseRef: "main",
    });
    await fs.writeFile(path.join(wt.path, "README.md"), "changed\n");
    await expect(removeWorktree(r.dir, wt.path, { force: false })).rejects.toBeInstanceOf(GitError);
    expect(existsSync(path.join(wt.path, "README.md"))).toBe(true);
  });

  it("never runs the repository's hooks when adding a worktree", async () => {
    const { r, root } = await setup();
    const marker = path.join(root, "hook-ran");
    await fs.writeFile(path.join(r.dir, ".git/hooks/post-checkout"), `#!/bin/sh\ntouch ${marker}\n`, {
      mode: 0o755,
    });
    await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "a"),
      branch: "h",
      baseRef: "main",
    });
    expect(existsSync(marker)).toBe(false);
  });
});
