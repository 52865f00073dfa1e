import { afterEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs/promises";
import path from "node:path";
import { commitAll } from "../../../src/git/commit.js";
import { committedTasks } from "../../../src/git/checkpoints.js";
import { createWorktree, listWorktrees, removeWorktree } from "../../../src/git/worktree.js";
import { makeTempDir, makeTempRepo } from "../../helpers/git-repo.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("worktrees of one repo used by concurrent runs", () => {
  it("creates, commits in, and removes 6 worktrees at once without interference", async () => {
    const r = await makeTempRepo({ "README.md": "# r\n" });
    const root = await makeTempDir("maestro-wtc-");
    cleanups.push(r.cleanup, () => fs.rm(root, { recursive: true, force: true }));
    const runs = Array.from({ length: 6 }, (_v, i) => `run-${i}`);
    const results = await Promise.all(
      runs.map(async (runId, i) => {
        const wt = await createWorktree({
          repoDir: r.dir,
          worktreePath: path.join(root, runId),
          branch: `maestro/${runId}`,
          baseRef: "main",
        });
        await fs.writeFile(path.join(wt.path, `${runId}.txt`), `${i}\n`);
        const c = await commitAll({
          cwd: wt.path,
          message: `task of ${runId}`,
          trailers: { "Maestro-Run": runId, "Maestro-Task": "0" },
          author: { name: "bot", email: "bot@example.com" },
        });
        const done = await committedTasks({ cwd: wt.path, baseRef: "main" });
        await removeWorktree(r.dir, wt.path);
        return { runId, sha: c!.sha, done };
      }),
    );
    for (const { runId, sha, done } of results) {
      expect(done.get(0)).toEqual({ sha, runId });
      expect(await r.git("rev-parse", `maestro/${runId}`)).toBe(sha);
    }
    expect((await listWorktrees(r.dir)).map((e) => e.path)).toEqual([r.dir]);
  });
});
