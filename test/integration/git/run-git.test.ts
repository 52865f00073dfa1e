import { afterEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs/promises";
import { GitError } from "../../../src/git/errors.js";
import { gitEnv, runGit } from "../../../src/git/run-git.js";
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
async function caught(p: Promise<unknown>): Promise<GitError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GitError) return err;
    throw err;
  }
  throw new Error("expected a GitError");
}

describe("runGit", () => {
  it("runs git without a shell and returns stdout", async () => {
    const r = await repo();
    const { stdout } = await runGit(["log", "--format=%s"], { cwd: r.dir });
    expect(stdout.trim()).toBe("initial commit");
    // An argument with shell metacharacters is passed literally.
    const { stdout: echoed } = await runGit(["rev-parse", "--sq-quote", "$(touch pwned); `id`"], {
      cwd: r.dir,
    });
    expect(echoed.trim()).toBe("'$(touch pwned); `id`'");
    await expect(fs.access(`${r.dir}/pwned`)).rejects.toThrow();
  });

  it("feeds input on stdin", async () => {
    const r = await repo();
    const { stdout } = await runGit(["hash-object", "--stdin"], { cwd: r.dir, input: "hello\n" });
    expect(stdout.trim()).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
  });

  it("gives git only the allowlisted environment plus opts.env", async () => {
    process.env.MAESTRO_TEST_LEAK = "should-not-pass";
    try {
      const env = gitEnv({ EXTRA: "1" });
      expect(env.MAESTRO_TEST_LEAK).toBeUndefined();
      expect(env.GIT_TERMINAL_PROMPT).toBe("0");
      expect(env.EXTRA).toBe("1");
      expect(Object.keys(env).sort()).toEqual(
        [
          "EXTRA",
          "GIT_TERMINAL_PROMPT",
          "LC_ALL",
          ...["PATH", "HOME", "LANG", "TMPDIR"].filter((k) => process.env[k] !== undefined),
        ].sort(),
      );
      // And the real child sees exactly that: git var reads GIT_AUTHOR_IDENT from env.
      const r = await repo();
      const { stdout } = await runGit(["var", "GIT_AUTHOR_IDENT"], {
        cwd: r.dir,
        env: { GIT_AUTHOR_NAME: "Env Name", GIT_AUTHOR_EMAIL: "env@example.com" },
      });
      expect(stdout).toMatch(/^Env Name <env@example\.com>/);
    } finally {
      delete process.env.MAESTRO_TEST_LEAK;
    }
  });

  it("maps a directory that is not a repository to not_a_repository", async () => {
    const dir = await makeTempDir();
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    const err = await caught(
      runGit(["status"], { cwd: dir, env: { GIT_CEILING_DIRECTORIES: dir.replace(/\/[^/]+$/, "") } }),
    );
    expect(err.kind).toBe("not_a_repository");
    expect(err.args).toEqual(["status"]);
    expect(err.message).toMatch(/git status .*not a git repository.*--repo DIR/);
  });

  it("says so when the directory does not exist, and when git itself is missing", async () => {
    const err = await caught(runGit(["status"], { cwd: "/definitely/not/a/dir" }));
    expect(err.kind).toBe("not_a_repository");
    expect(err.message).toMatch(/does not exist/);
    const r = await repo();
    const missing = await caught(runGit(["status"], { cwd: r.dir, env: { PATH: "/nonexistent-bin" } }));
    expect(missing.kind).toBe("git_missing");
    expect(missing.message).toMatch(/Install git/);
  });

  it("maps an unknown revision to bad_ref", async () => {
    const r = await repo();
    const err = await caught(runGit(["log", "no-such-branch"], { cwd: r.dir }));
    expect(err.kind).toBe("bad_ref");
    expect(err.stderr).toMatch(/unknown revision/);
  });

  it("maps an existing branch to branch_exists", async () => {
    const r = await repo();
    const err = await caught(runGit(["branch", "main"], { cwd: r.dir }));
    expect(err.kind).toBe("branch_exists");
  });

  it("maps a held index.lock to lock", async () => {
    const r = await repo();
    await fs.writeFile(`${r.dir}/.git/index.lock`, "");
    await fs.writeFile(`${r.dir}/new.txt`, "x");
    const err = await caught(runGit(["add", "new.txt"], { cwd: r.dir }));
    expect(err.kind).toBe("lock");
  });

  it("maps a clean commit to nothing_to_commit (git says so on stdout)", async () => {
    const r = await repo();
    const err = await caught(runGit(["commit", "-m", "x"], { cwd: r.dir }));
    expect(err.kind).toBe("nothing_to_commit");
  });

  it("maps a missing remote path to repo_not_found", async () => {
    const r = await repo();
    const err = await caught(runGit(["fetch", "/definitely/not/here.git"], { cwd: r.dir }));
    expect(err.kind).toBe("repo_not_found");
  });

  it("maps a conflicting merge to merge_conflict", async () => {
    const r = await repo({ "a.txt": "base\n" });
    await r.git("checkout", "-q", "-b", "other");
    await fs.writeFile(`${r.dir}/a.txt`, "other\n");
    await r.git("commit", "-qam", "other");
    await r.git("checkout", "-q", "main");
    await fs.writeFile(`${r.dir}/a.txt`, "main\n");
    await r.git("commit", "-qam", "main");
    const err = await caught(
      runGit(["-c", "user.name=x", "-c", "user.email=x@x", "merge", "other"], { cwd: r.dir }),
    );
    expect(err.kind).toBe("merge_conflict");
  });

  it("never echoes a token from its arguments or stderr", async () => {
    const r = await repo();
    const token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
    const err = await caught(
      runGit(["fetch", `https://x-access-token:${token}@127.0.0.1:1/o/r.git`], { cwd: r.dir }),
    );
    expect(err.kind).toBe("network");
    expect(JSON.stringify({ m: err.message, a: err.args, s: err.stderr })).not.toContain(token);
    expect(err.args.join(" ")).toContain("x-access-token:[REDACTED]@");
    const err2 = await caught(
      runGit(["log", "opaque-secret-value"], { cwd: r.dir, secrets: ["opaque-secret-value"] }),
    );
    expect(`${err2.message} ${err2.args.join(" ")} ${err2.stderr}`).not.toContain("opaque-secret-value");
  });

  it("reports a timeout and a cancellation as such", async () => {
    const r = await repo();
    // A shell alias that outlives any sane timeout stands in for a hung fetch.
    const hang = ["-c", "alias.hang=!sleep 5", "hang"];
    const t = await caught(runGit(hang, { cwd: r.dir, timeoutMs: 200 }));
    expect(t.kind).toBe("timeout");
    expect(t.message).toMatch(/timed out after 200 ms/);
    const ac = new AbortController();
    const p = runGit(hang, { cwd: r.dir, signal: ac.signal });
    ac.abort();
    expect((await caught(p)).kind).toBe("aborted");
  });
});
