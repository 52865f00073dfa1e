// Start-up pruning with real git: a dead run's worktree goes, a live run's stays, pool slots are left alone.
import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { lockReason } from "../../../src/git/pid.js";
import { listWorktrees } from "../../../src/git/worktree.js";
import { pruneOrphanWorktrees } from "../../../src/workers/prune-orphans.js";
import { gitIn, makeTempDir, makeTempRepo } from "../../helpers/git-repo.js";

let tmp: string | undefined;
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

describe("pruneOrphanWorktrees", () => {
  it("removes worktrees locked by dead pids and stray run dirs, keeps live runs and pool slots", async () => {
    tmp = await makeTempDir("maestro-prune-");
    const src = await makeTempRepo({ "a.txt": "a\n" });
    const dataDir = path.join(tmp, "data");
    const mirror = path.join(dataDir, "mirrors/octo/repo.git");
    fs.mkdirSync(path.dirname(mirror), { recursive: true });
    await gitIn(tmp, "clone", "--quiet", "--bare", src.dir, mirror);
    await src.cleanup();
    const runs = path.join(dataDir, "worktrees");
    const add = (name: string, reason: string) =>
      gitIn(
        mirror,
        "worktree",
        "add",
        "--quiet",
        "--lock",
        "--reason",
        reason,
        "--detach",
        path.join(runs, name),
        "HEAD",
      );
    await add("rdead", lockReason(await deadPid()));
    await add("rlive", lockReason(process.pid));
    await add("pool/octo/repo/0", lockReason(await deadPid()));
    fs.mkdirSync(path.join(runs, "rstray-old"));
    fs.mkdirSync(path.join(runs, "rstray-new"));
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(runs, "rstray-old"), old, old);

    const removed = (await pruneOrphanWorktrees(dataDir)).map((p) => path.basename(p)).sort();
    expect(removed).toEqual(["rdead", "rstray-old"]);
    expect(fs.existsSync(path.join(runs, "rdead"))).toBe(false);
    expect(fs.existsSync(path.join(runs, "rlive"))).toBe(true);
    expect(fs.existsSync(path.join(runs, "rstray-new"))).toBe(true);
    expect(fs.existsSync(path.join(runs, "pool/octo/repo/0"))).toBe(true);
    const left = (await listWorktrees(mirror)).filter((e) => !e.bare).map((e) => path.basename(e.path));
    expect(left.sort()).toEqual(["0", "rlive"]);
  });

  it("does nothing on a fresh data dir", async () => {
    tmp = await makeTempDir("maestro-prune-");
    expect(await pruneOrphanWorktrees(path.join(tmp, "none"))).toEqual([]);
  });
});
