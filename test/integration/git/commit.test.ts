import { afterEach, describe, expect, it } from "@jest/globals";
import fsSync from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { committedTasks } from "../../../src/git/checkpoints.js";
import { buildCommitMessage, commitAll, openCommitSession, stageAll } from "../../../src/git/commit.js";
import { GitError } from "../../../src/git/errors.js";
import { findProtectedChanges } from "../../../src/git/protected-paths.js";
import { makeTempDir, makeTempRepo, type TempRepo } from "../../helpers/git-repo.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function repo(files?: Record<string, string>): Promise<TempRepo> {
  const r = await makeTempRepo(files);
  cleanups.push(r.cleanup);
  return r;
}
const bot = { name: "maestro-app[bot]", email: "123+maestro-app[bot]@users.noreply.github.com" };
const write = (r: TempRepo, rel: string, content: string) =>
  fs
    .mkdir(path.dirname(path.join(r.dir, rel)), { recursive: true })
    .then(() => fs.writeFile(path.join(r.dir, rel), content));

describe("stageAll", () => {
  it("stages and lists staged, unstaged, untracked, deleted and both names of a rename", async () => {
    const r = await repo({
      "a.txt": "a\n",
      "b.txt": "b\n",
      "old.txt": "same content here\n",
      "gone.txt": "x\n",
    });
    expect((await stageAll(r.dir)).files).toEqual([]);
    await write(r, "a.txt", "changed\n");
    await write(r, "b.txt", "staged\n");
    await r.git("add", "b.txt");
    await write(r, "dir/with space/new file.txt", "n\n");
    await fs.rm(path.join(r.dir, "gone.txt"));
    await r.git("mv", "old.txt", "renamed.txt");
    expect((await stageAll(r.dir)).files.sort()).toEqual(
      ["a.txt", "b.txt", "dir/with space/new file.txt", "gone.txt", "old.txt", "renamed.txt"].sort(),
    );
  });
});

/** Our live children running the commit session's script. */
function sessionHelpers(): number[] {
  return fsSync
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = fsSync.readFileSync(`/proc/${pid}/stat`, "utf8");
        const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (
          state !== "Z" &&
          Number(ppid) === process.pid &&
          fsSync.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("maestro-commit")
        );
      } catch {
        return false;
      }
    });
}

// One helper process stages and commits every task of a run (src/git/commit.ts).
describe("openCommitSession", () => {
  it("lists a path the agent staged itself, even one `git add -A` leaves as it is", async () => {
    const r = await repo({ ".github/workflows/ci.yml": "on: push\n", "a.txt": "a\n" });
    // Staged by the agent and not touched since: `git add -A` changes nothing for it (`add -v` would not name it).
    await write(r, ".github/workflows/ci.yml", "on: [push]\n");
    await r.git("add", ".github/workflows/ci.yml");
    await write(r, "a.txt", "changed\n");
    const s = openCommitSession({ cwd: r.dir, author: bot });
    const staged = await s.stage();
    await s.close();
    expect(staged.files.sort()).toEqual([".github/workflows/ci.yml", "a.txt"]);
    expect(findProtectedChanges(staged.files, [".github/workflows/**"])).toEqual([
      ".github/workflows/ci.yml",
    ]);
  });

  it("runs a whole run's tasks in one process: a refused stage stays uncommitted, the next task commits", async () => {
    const r = await repo({ "a.txt": "a\n" });
    const base = await r.git("rev-parse", "HEAD");
    const s = openCommitSession({ cwd: r.dir, author: bot });
    try {
      await write(r, "one.txt", "1\n");
      expect((await s.stage()).files).toEqual(["one.txt"]);
      // Refused (say, by the protected-paths check): no commit, the change stays staged.
      expect(await r.git("rev-parse", "HEAD")).toBe(base);
      expect(await r.git("diff", "--cached", "--name-only")).toBe("one.txt");
      const helpers = sessionHelpers();
      expect(helpers).toHaveLength(1);

      await write(r, "two.txt", "2\n");
      const staged = await s.stage();
      const c = await s.commit(staged, { message: "Task 1", trailers: { "Maestro-Task": "1" } });
      expect(c).toEqual({
        sha: await r.git("rev-parse", "HEAD"),
        filesChanged: 2,
        files: ["one.txt", "two.txt"],
      });
      await write(r, "three.txt", "3\n");
      const c2 = await s.commit(await s.stage(), { message: "Task 2", trailers: { "Maestro-Task": "2" } });
      expect(c2!.sha).toBe(await r.git("rev-parse", "HEAD"));
      expect(await r.git("rev-parse", "HEAD~2")).toBe(base);
      expect(sessionHelpers()).toEqual(helpers);
    } finally {
      await s.close();
    }
    expect(sessionHelpers()).toEqual([]);
    await s.close();
    await expect(s.stage()).rejects.toThrow(/after close/);
  });

  it("start() spawns the helper ahead of the first request, once; never after close()", async () => {
    const r = await repo();
    const s = openCommitSession({ cwd: r.dir, author: bot });
    expect(sessionHelpers()).toEqual([]);
    s.start();
    s.start();
    const helpers = sessionHelpers();
    expect(helpers).toHaveLength(1);
    await write(r, "a.txt", "a\n");
    expect((await s.stage()).files).toEqual(["a.txt"]);
    expect(sessionHelpers()).toEqual(helpers);
    await s.close();
    s.start();
    expect(sessionHelpers()).toEqual([]);
  });

  it("starts a new helper when the previous one died between tasks", async () => {
    const r = await repo();
    const s = openCommitSession({ cwd: r.dir, author: bot });
    try {
      await write(r, "one.txt", "1\n");
      await s.commit(await s.stage(), { message: "one", trailers: {} });
      const [first] = sessionHelpers();
      // Killed right before the next task asks: the request reaches a dead process and is asked again.
      process.kill(first!, "SIGKILL");
      await write(r, "two.txt", "2\n");
      const staged = await s.stage();
      expect(staged.files).toEqual(["two.txt"]);
      const c = await s.commit(staged, { message: "two", trailers: {} });
      expect(c!.sha).toBe(await r.git("rev-parse", "HEAD"));
      expect(await r.git("log", "--format=%s", "-2")).toBe("two\none");
      const now = sessionHelpers();
      expect(now).toHaveLength(1);
      expect(now).not.toContain(first);
    } finally {
      await s.close();
    }
  });

  it("counts a rename once and names both paths, then commits exactly that", async () => {
    const r = await repo({ "old name.txt": "the same content, long enough to be a rename\n" });
    await fs.rename(path.join(r.dir, "old name.txt"), path.join(r.dir, "new\nname.txt"));
    const s = openCommitSession({ cwd: r.dir, author: bot });
    try {
      const staged = await s.stage();
      expect(staged).toEqual({ entries: 1, files: ["old name.txt", "new\nname.txt"] });
      const c = await s.commit(staged, { message: "Rename", trailers: { "Maestro-Task": "4" } });
      expect(c).toEqual({ sha: await r.git("rev-parse", "HEAD"), filesChanged: 1, files: staged.files });
    } finally {
      await s.close();
    }
    expect(await r.git("diff-tree", "-r", "-M", "--name-status", "HEAD")).toMatch(
      /^R100\told name.txt\t"new\\nname.txt"$/m,
    );
  });

  it("an empty task commits its trailer with allowEmpty, and nothing without it", async () => {
    const r = await repo();
    const before = await r.git("rev-parse", "HEAD");
    const s = openCommitSession({ cwd: r.dir, author: bot });
    try {
      const none = await s.stage();
      expect(none).toEqual({ entries: 0, files: [] });
      expect(await s.commit(none, { message: "nothing", trailers: {} })).toBeNull();
      expect(await r.git("rev-parse", "HEAD")).toBe(before);
      const c = await s.commit(await s.stage(), {
        message: "Task 3",
        trailers: { "Maestro-Task": "3" },
        allowEmpty: true,
      });
      expect(c).toEqual({ sha: await r.git("rev-parse", "HEAD"), filesChanged: 0, files: [] });
    } finally {
      await s.close();
    }
    expect(await r.git("rev-parse", "HEAD^")).toBe(before);
    expect(await r.git("log", "-1", "--format=%(trailers:only)")).toBe("Maestro-Task: 3\n");
  });

  it("hands the message and the author to git, never to the shell", async () => {
    const r = await repo();
    const marker = path.join(r.dir, "..", `shell-ran-${path.basename(r.dir)}`);
    cleanups.push(() => fs.rm(marker, { force: true }));
    const evil = `$(touch ${marker}) \`touch ${marker}\``;
    await write(r, "x.txt", "x\n");
    const s = openCommitSession({ cwd: r.dir, author: { name: evil, email: "e@example.com" } });
    try {
      // Lines like the script's own requests are only message text.
      await s.commit(await s.stage(), {
        message: `commit-empty\nstage\n\n${evil}\nexit 1`,
        trailers: { "Maestro-Task": evil },
      });
    } finally {
      await s.close();
    }
    await expect(fs.access(marker)).rejects.toThrow();
    expect(await r.git("log", "-1", "--format=%an%n%B")).toBe(
      `${evil}\ncommit-empty\nstage\n\n${evil}\nexit 1\n\nMaestro-Task: ${evil}\n`,
    );
  });

  it("reports which git step failed, with git's reason and kind, and goes on after it", async () => {
    const r = await repo({ "a.txt": "a\n" });
    await write(r, "a.txt", "b\n");
    const s = openCommitSession({ cwd: r.dir, author: bot });
    try {
      await fs.writeFile(path.join(r.dir, ".git/index.lock"), "");
      const add = await s.stage().catch((e: unknown) => e);
      expect(add).toBeInstanceOf(GitError);
      expect(add).toMatchObject({
        kind: "lock",
        args: ["add", "-A"],
        message: expect.stringMatching(/^git add -A \(in .*index\.lock/),
      });
      await fs.rm(path.join(r.dir, ".git/index.lock"));

      const staged = await s.stage();
      await fs.writeFile(path.join(r.dir, ".git/refs/heads/main.lock"), "");
      await expect(s.commit(staged, { message: "x", trailers: {} })).rejects.toMatchObject({
        kind: "lock",
        message: expect.stringMatching(/^git commit .*cannot lock ref/),
      });
      await fs.rm(path.join(r.dir, ".git/refs/heads/main.lock"));
      const c = await s.commit(staged, { message: "x", trailers: {} });
      expect(c!.sha).toBe(await r.git("rev-parse", "HEAD"));
    } finally {
      await s.close();
    }

    const notRepo = await makeTempDir();
    cleanups.push(() => fs.rm(notRepo, { recursive: true, force: true }));
    await expect(stageAll(notRepo)).rejects.toMatchObject({ kind: "not_a_repository" });
    await expect(stageAll(path.join(notRepo, "missing"))).rejects.toMatchObject({
      kind: "not_a_repository",
      message: expect.stringMatching(/does not exist/),
    });
  });
});

describe("commitAll", () => {
  it("returns null when there is nothing to commit", async () => {
    const r = await repo();
    const before = await r.git("rev-parse", "HEAD");
    expect(await commitAll({ cwd: r.dir, message: "nothing", trailers: {}, author: bot })).toBeNull();
    expect(await r.git("rev-parse", "HEAD")).toBe(before);
  });

  it("commits everything with author and committer from env, trailers and co-authors as real trailers", async () => {
    const r = await repo({ "a.txt": "a\n", "old.txt": "same content here\n" });
    await write(r, "a.txt", "changed\n");
    await write(r, "new.txt", "new\n");
    await r.git("mv", "old.txt", "moved.txt");
    const res = await commitAll({
      cwd: r.dir,
      message: "Fix the lint errors in a.txt\n\nDetails: #123 is referenced here.",
      trailers: { "Maestro-Run": "run-abc", "Maestro-Task": "2" },
      author: bot,
      coAuthors: [{ name: "Octo Cat", email: "octocat@example.com" }],
    });
    expect(res).not.toBeNull();
    expect(res!.sha).toBe(await r.git("rev-parse", "HEAD"));
    expect(res!.filesChanged).toBe(3);
    expect(res!.files.sort()).toEqual(["a.txt", "moved.txt", "new.txt", "old.txt"]);
    expect(await r.git("log", "-1", "--format=%an <%ae>|%cn <%ce>")).toBe(
      `${bot.name} <${bot.email}>|${bot.name} <${bot.email}>`,
    );
    expect(await r.git("log", "-1", "--format=%(trailers:unfold,only)")).toBe(
      "Maestro-Run: run-abc\nMaestro-Task: 2\nCo-authored-by: Octo Cat <octocat@example.com>\n",
    );
    // A '#' line of the message is kept (no comment stripping).
    expect(await r.git("log", "-1", "--format=%B")).toContain("Details: #123 is referenced here.");
    expect(await r.git("status", "--porcelain")).toBe("");
  });

  it("never runs hooks and never signs, whatever the repo config says", async () => {
    const r = await repo();
    const marker = path.join(r.dir, "..", `hook-ran-${path.basename(r.dir)}`);
    cleanups.push(() => fs.rm(marker, { force: true }));
    for (const hook of ["pre-commit", "commit-msg", "prepare-commit-msg", "post-commit"]) {
      await fs.writeFile(
        path.join(r.dir, ".git/hooks", hook),
        `#!/bin/sh\necho ${hook} >> ${marker}\nexit 1\n`,
        { mode: 0o755 },
      );
    }
    await r.git("config", "commit.gpgsign", "true");
    await r.git("config", "user.signingkey", "DEADBEEF");
    await write(r, "x.txt", "x\n");
    const res = await commitAll({ cwd: r.dir, message: "x", trailers: { "Maestro-Task": "0" }, author: bot });
    expect(res).not.toBeNull();
    await expect(fs.access(marker)).rejects.toThrow();
  });

  it("keeps a newline in a trailer value from forging extra trailers", () => {
    const msg = buildCommitMessage("subject", { "Maestro-Run": "r1\nMaestro-Task: 99" });
    expect(msg).toBe("subject\n\nMaestro-Run: r1 Maestro-Task: 99\n");
    expect(() => buildCommitMessage("   ", {})).toThrow(/empty/);
    expect(() => buildCommitMessage("s", { "bad key": "v" })).toThrow(/invalid trailer key/);
  });
});

describe("committedTasks", () => {
  it("reads task checkpoints back from the trailers of baseRef..branch", async () => {
    const r = await repo();
    await r.git("checkout", "-q", "-b", "maestro/run");
    const shas: string[] = [];
    for (const i of [0, 1, 2]) {
      await write(r, `t${i}.txt`, `${i}\n`);
      const res = await commitAll({
        cwd: r.dir,
        message: `Task ${i}`,
        trailers: { "Maestro-Run": i === 2 ? "run-2" : "run-1", "Maestro-Task": String(i) },
        author: bot,
        coAuthors: [{ name: "Octo", email: "o@example.com" }],
      });
      shas.push(res!.sha);
    }
    // A human commit in between, and one whose body merely mentions a trailer.
    await write(r, "human.txt", "h\n");
    await r.git("add", "-A");
    await r.git(
      "commit",
      "-qm",
      "human fix\n\nMaestro-Task: 7 is mentioned here, not a trailer\n\nSigned-off-by: H <h@x>",
    );
    // A redone task 1: the newest commit wins.
    await write(r, "t1.txt", "redo\n");
    const redo = await commitAll({
      cwd: r.dir,
      message: "Task 1 again",
      trailers: { "Maestro-Task": "1", "Maestro-Run": "run-3" },
      author: bot,
    });

    const done = await committedTasks({ cwd: r.dir, baseRef: "main" });
    expect([...done.keys()].sort()).toEqual([0, 1, 2]);
    expect(done.get(0)).toEqual({ sha: shas[0], runId: "run-1" });
    expect(done.get(1)).toEqual({ sha: redo!.sha, runId: "run-3" });
    expect(done.get(2)).toEqual({ sha: shas[2], runId: "run-2" });

    // From another checkout, by branch name; and nothing on main itself.
    await r.git("checkout", "-q", "main");
    expect((await committedTasks({ cwd: r.dir, baseRef: "main", branch: "maestro/run" })).size).toBe(3);
    expect((await committedTasks({ cwd: r.dir, baseRef: "main" })).size).toBe(0);
  });

  it("fails with bad_ref for an unknown base", async () => {
    const r = await repo();
    await expect(committedTasks({ cwd: r.dir, baseRef: "origin/nope" })).rejects.toMatchObject({
      kind: "bad_ref",
    });
  });
});

describe("protected paths on real changes", () => {
  it("flags a change under .github/workflows made in the worktree", async () => {
    const r = await repo({ ".github/workflows/ci.yml": "on: push\n", "src/a.ts": "1\n" });
    await write(r, ".github/workflows/ci.yml", "on: [push, pull_request]\n");
    await write(r, "src/a.ts", "2\n");
    expect(findProtectedChanges((await stageAll(r.dir)).files, [".github/workflows/**"])).toEqual([
      ".github/workflows/ci.yml",
    ]);
  });
});
