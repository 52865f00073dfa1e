// createWorktree tries one `git worktree add -b` first and falls back to its checks when that fails; removeWorktree
// tries one `git worktree remove -f -f`. These are the cases where the one-process attempt fails half-way (git makes
// the branch before it looks at the path) or where the long way has to clear what a dead run left.
import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { lockReason } from "../../../src/git/pid.js";
import { createWorktree, listWorktrees, removeWorktree } from "../../../src/git/worktree.js";
import { makeTempDir, makeTempRepo, type TempRepo } from "../../helpers/git-repo.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function setup(): Promise<{ r: TempRepo; root: string }> {
  const r = await makeTempRepo({ "README.md": "# hi\n" });
  const root = await makeTempDir("maestro-wt-fast-");
  cleanups.push(r.cleanup, () => fs.rm(root, { recursive: true, force: true }));
  return { r, root };
}
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise((r) => child.on("exit", r));
  return pid;
}

describe("createWorktree when the one-process attempt fails", () => {
  it("takes over its own path left registered and locked by a dead run, and makes the new branch once", async () => {
    const { r, root } = await setup();
    const p = path.join(root, "run");
    const old = await createWorktree({ repoDir: r.dir, worktreePath: p, branch: "old-run", baseRef: "main" });
    await r.git("worktree", "unlock", old.path);
    await r.git("worktree", "lock", "--reason", lockReason(await deadPid()), old.path);
    await fs.rm(p, { recursive: true, force: true });

    const wt = await createWorktree({ repoDir: r.dir, worktreePath: p, branch: "new-run", baseRef: "main" });
    expect(wt).toMatchObject({ path: p, branch: "new-run", created: true });
    expect(wt.baseSha).toBe(await r.git("rev-parse", "main"));
    expect(await r.git("-C", p, "symbolic-ref", "--short", "HEAD")).toBe("new-run");
    const entries = await listWorktrees(r.dir);
    expect(entries.filter((e) => e.path === p)).toHaveLength(1);
  });

  it("reads the base sha of a tag and of a commit expression", async () => {
    const { r, root } = await setup();
    await r.git("tag", "-a", "v1", "-m", "v1");
    const wt = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "t"),
      branch: "from-tag",
      baseRef: "v1",
    });
    expect(wt.baseSha).toBe(await r.git("rev-parse", "main"));
    expect(await r.git("config", "--get", "branch.from-tag.merge").catch(() => "")).toBe("");
  });
});

describe("removeWorktree", () => {
  it("removes a locked, dirty worktree and its registration", async () => {
    const { r, root } = await setup();
    const wt = await createWorktree({
      repoDir: r.dir,
      worktreePath: path.join(root, "a"),
      branch: "a",
      baseRef: "main",
    });
    await fs.writeFile(path.join(wt.path, "README.md"), "changed\n");
    await removeWorktree(r.dir, wt.path);
    expect(existsSync(wt.path)).toBe(false);
    expect((await listWorktrees(r.dir)).map((e) => e.path)).toEqual([r.dir]);
    expect(existsSync(path.join(r.dir, ".git/worktrees/a"))).toBe(false);
  });
});
