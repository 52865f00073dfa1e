// At worker start-up: worktrees left by runs whose process died (SIGKILL, a crash, a reboot) are
// removed, so they hold neither disk nor their branch. A worktree counts as orphaned only when its
// lock names a dead pid on this host, or its directory is gone; a live run's (this worker's
// neighbours on the same data dir included) is never touched. Pool slots are the pool's own business.
import fs from "node:fs";
import path from "node:path";
import { isStaleLock } from "../git/pid.js";
import { runGit } from "../git/run-git.js";
import { dropWorktree, listWorktrees, samePath } from "../git/worktree.js";

/** Unregistered directories younger than this may be a worktree being made right now. */
const UNREGISTERED_GRACE_MS = 10 * 60_000;

function mirrorsOf(dataDir: string): string[] {
  const root = path.join(dataDir, "mirrors");
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .flatMap((owner) => {
      const dir = path.join(root, owner);
      return fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).map((r) => path.join(dir, r)) : [];
    })
    .filter((p) => p.endsWith(".git") && fs.existsSync(path.join(p, "HEAD")));
}

/** Returns the worktree paths it removed. */
export async function pruneOrphanWorktrees(dataDir: string, now = Date.now()): Promise<string[]> {
  const runsDir = path.join(dataDir, "worktrees");
  const removed: string[] = [];
  const registered: string[] = [];
  for (const mirror of mirrorsOf(dataDir)) {
    for (const e of await listWorktrees(mirror)) {
      if (e.bare) continue;
      registered.push(e.path);
      const runWorktree = samePath(path.dirname(e.path), runsDir);
      if (!runWorktree) continue;
      if (fs.existsSync(e.path) && !isStaleLock(e.locked)) continue;
      await dropWorktree(mirror, e.path);
      removed.push(e.path);
    }
    await runGit(["worktree", "prune"], { cwd: mirror });
  }
  // Directories of runs git no longer knows (a crash between mkdir and registration, or a pruned entry).
  if (fs.existsSync(runsDir)) {
    for (const name of fs.readdirSync(runsDir)) {
      if (name === "pool") continue;
      const dir = path.join(runsDir, name);
      if (registered.some((r) => samePath(r, dir)) || removed.some((r) => samePath(r, dir))) continue;
      const st = fs.statSync(dir);
      if (!st.isDirectory() || now - st.mtimeMs < UNREGISTERED_GRACE_MS) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}
