// A worktree-pool user in its own process: `node --import tsx test/helpers/pool-child.ts`.
// Env: POOL_REPO, POOL_DIR, POOL_BRANCH, POOL_BASE (default main), POOL_SIZE (default 4).
// Acquires a slot, leaves a stray file in it, prints {"path","slot"} as one JSON line, then holds the
// slot until a line arrives on stdin (then releases and exits) or it is killed.
import fs from "node:fs";
import path from "node:path";
import { WorktreePool } from "../../src/git/worktree-pool.js";

const env = process.env;
const need = (name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`pool-child: ${name} is required`);
  return v;
};
const pool = new WorktreePool({
  repoDir: need("POOL_REPO"),
  dir: need("POOL_DIR"),
  size: Number(env.POOL_SIZE ?? 4),
});
const wt = await pool.acquire({
  branch: need("POOL_BRANCH"),
  baseRef: env.POOL_BASE ?? "main",
  reuseBranch: true,
});
fs.writeFileSync(path.join(wt.path, `stray-${process.pid}.txt`), "left by a killed run\n");
process.stdout.write(`${JSON.stringify({ path: wt.path, slot: wt.slot })}\n`);
process.stdin.once("data", () => {
  void pool.release(wt).then(() => process.exit(0));
});
