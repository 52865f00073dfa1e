import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import fs from "node:fs/promises";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { authEnv, basicAuthHeader } from "../../../src/git/auth.js";
import { commitAll } from "../../../src/git/commit.js";
import { GitError } from "../../../src/git/errors.js";
import { ensureMirror, MIRROR_REFSPEC, mirrorPath, pushBranch } from "../../../src/git/mirror.js";
import { lockReason } from "../../../src/git/pid.js";
import { runGit, type RunGit, type RunGitOptions } from "../../../src/git/run-git.js";
import { createWorktree, removeWorktree } from "../../../src/git/worktree.js";
import { gitIn, makeTempDir, makeTempRepo } from "../../helpers/git-repo.js";

const TOKEN = "ghs_FAKEfakeFAKEfake0123456789abcdefABCD";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A working repo plus a bare "remote" cloned from it, and an empty data dir. */
async function setup() {
  const work = await makeTempRepo({ "README.md": "# r\n" });
  const base = await makeTempDir("maestro-mirror-");
  cleanups.push(work.cleanup, () => fs.rm(base, { recursive: true, force: true }));
  const remote = path.join(base, "remote.git");
  await gitIn(base, "clone", "--quiet", "--bare", work.dir, remote);
  const dataDir = path.join(base, "data");
  return { work, remote, remoteUrl: `file://${remote}`, dataDir };
}

function recording(): { git: RunGit; calls: Array<{ args: string[]; opts: RunGitOptions }> } {
  const calls: Array<{ args: string[]; opts: RunGitOptions }> = [];
  return { calls, git: (args, opts) => (calls.push({ args, opts }), runGit(args, opts)) };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise((r) => child.on("exit", r));
  return pid;
}

async function commitAllIn(dir: string, file: string, text: string): Promise<void> {
  await fs.writeFile(path.join(dir, file), `${text}\n`);
  await commitAll({
    cwd: dir,
    message: text,
    trailers: {},
    author: { name: "T", email: "t@example.com" },
  });
}

describe("ensureMirror", () => {
  it("makes a bare cache with the heads-to-remotes refspec and fetches into refs/remotes/origin", async () => {
    const { work, remoteUrl, dataDir } = await setup();
    const dir = await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl });
    expect(dir).toBe(path.join(dataDir, "mirrors", "octo", "r.git"));
    expect(dir).toBe(mirrorPath(dataDir, "octo", "r"));
    expect(await gitIn(dir, "rev-parse", "--is-bare-repository")).toBe("true");
    expect(await gitIn(dir, "config", "--get-all", "remote.origin.fetch")).toBe(MIRROR_REFSPEC);
    expect(await gitIn(dir, "config", "--get", "remote.origin.mirror").catch(() => "")).toBe("");
    expect(await gitIn(dir, "rev-parse", "refs/remotes/origin/main")).toBe(
      await work.git("rev-parse", "main"),
    );
    expect(await gitIn(dir, "for-each-ref", "--format=%(refname)", "refs/heads")).toBe("");
  });

  it("fetches new commits, prunes deleted remote branches, and keeps local run branches", async () => {
    const { work, remote, remoteUrl, dataDir } = await setup();
    await work.git("push", "--quiet", remote, "main:refs/heads/feature");
    const dir = await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl });
    await gitIn(dir, "branch", "maestro/1-run", "origin/main");
    await fs.writeFile(path.join(work.dir, "b.txt"), "b\n");
    await work.git("add", "b.txt");
    await work.git("commit", "-qm", "second");
    await work.git("push", "--quiet", remote, "main");
    await gitIn(remote, "branch", "-D", "feature");

    await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl });
    expect(await gitIn(dir, "rev-parse", "origin/main")).toBe(await work.git("rev-parse", "main"));
    expect(await gitIn(dir, "for-each-ref", "--format=%(refname)", "refs/remotes/origin/feature")).toBe("");
    expect(await gitIn(dir, "rev-parse", "--verify", "refs/heads/maestro/1-run")).toMatch(/^[0-9a-f]{40}$/);
  });

  it("passes the token only through the environment: never argv, never the repo's files", async () => {
    const { remoteUrl, dataDir } = await setup();
    const { git, calls } = recording();
    const dir = await ensureMirror({
      dataDir,
      owner: "octo",
      repo: "r",
      remoteUrl,
      auth: { token: TOKEN },
      runGit: git,
    });
    await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl, auth: { token: TOKEN }, runGit: git });
    const b64 = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    for (const c of calls) {
      expect(c.args.join(" ")).not.toContain(TOKEN);
      expect(c.args.join(" ")).not.toContain(b64);
    }
    const fetches = calls.filter((c) => c.args.includes("fetch"));
    expect(fetches).toHaveLength(2);
    for (const f of fetches) expect(f.opts.env?.GIT_CONFIG_VALUE_0).toBe(basicAuthHeader(TOKEN));
    for (const file of filesUnder(dir)) {
      const content = readFileSync(file);
      expect(content.includes(TOKEN)).toBe(false);
      expect(content.includes(b64)).toBe(false);
    }
    expect(readFileSync(path.join(dir, "config"), "utf8")).not.toMatch(/extraheader|authorization/i);
  });

  it("hands git the auth header as http.extraHeader through GIT_CONFIG_* env", async () => {
    const { work } = await setup();
    const { stdout } = await runGit(["config", "--get-all", "http.extraHeader"], {
      cwd: work.dir,
      env: authEnv({ token: TOKEN }),
    });
    expect(stdout.trim()).toBe(
      `Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`,
    );
    await expect(work.git("config", "--get-all", "http.extraHeader")).rejects.toThrow();
  });

  it("sends the header over HTTP, and a refusal is auth_failed with the token nowhere in the error", async () => {
    const { dataDir } = await setup();
    const seen: Array<{ url: string; authorization?: string }> = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
      res.writeHead(403, { "content-type": "text/plain" }).end("denied");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { port } = server.address() as AddressInfo;
    const err = await ensureMirror({
      dataDir,
      owner: "octo",
      repo: "r",
      remoteUrl: `http://127.0.0.1:${port}/octo/r.git`,
      auth: { token: TOKEN },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("auth_failed");
    const text = JSON.stringify({
      m: (err as GitError).message,
      s: (err as GitError).stderr,
      a: (err as GitError).args,
    });
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString("base64"));
    expect(seen[0]!.url).toBe("/octo/r.git/info/refs?service=git-upload-pack");
    expect(seen[0]!.authorization).toBe(basicAuthHeader(TOKEN).replace(/^Authorization: /, ""));
  });

  it("resets the mirror's config before each fetch and mirror push: planted insteadOf, fsmonitor, include and hooks are gone", async () => {
    const { work, remote, remoteUrl, dataDir } = await setup();
    const dir = await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl });
    const evil = await makeTempDir("maestro-evil-");
    cleanups.push(() => fs.rm(evil, { recursive: true, force: true }));
    await gitIn(evil, "init", "--quiet", "--bare", "attacker.git");
    const marker = path.join(evil, "fsmonitor-ran");
    const planted = [
      `[url "file://${evil}/attacker.git"]`,
      `\tinsteadOf = ${remoteUrl}`,
      "[core]",
      `\tfsmonitor = touch ${marker}`,
      `\thooksPath = ${evil}`,
      "[include]",
      `\tpath = ${evil}/more.cfg`,
    ].join("\n");
    await fs.appendFile(path.join(dir, "config"), `${planted}\n`);
    await commitAllIn(work.dir, "b.txt", "second");
    await gitIn(work.dir, "push", "--quiet", remote, "HEAD:main");
    await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl });
    const config = readFileSync(path.join(dir, "config"), "utf8");
    expect(config).not.toContain(evil);
    expect(await gitIn(dir, "rev-parse", "refs/remotes/origin/main")).toBe(
      await gitIn(work.dir, "rev-parse", "HEAD"),
    );
    // Planted again before a push of the worker: the push still goes to the real remote.
    await fs.appendFile(path.join(dir, "config"), `${planted}\n`);
    await gitIn(dir, "branch", "maestro/x", "refs/remotes/origin/main");
    await pushBranch({ repoDir: dir, branch: "maestro/x", remoteUrl, mirror: true });
    expect(await gitIn(remote, "branch", "--list", "maestro/x")).toContain("maestro/x");
    expect(await gitIn(path.join(evil, "attacker.git"), "branch", "--list")).toBe("");
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a remote URL carrying credentials", async () => {
    const { dataDir } = await setup();
    await expect(
      ensureMirror({
        dataDir,
        owner: "o",
        repo: "r",
        remoteUrl: `https://x-access-token:${TOKEN}@github.com/o/r.git`,
      }),
    ).rejects.toThrow(/carries credentials/);
    expect(existsSync(path.join(dataDir, "mirrors", "o", "r.git"))).toBe(false);
  });

  it("refuses owner/repo names that would escape the mirrors dir", async () => {
    const { dataDir, remoteUrl } = await setup();
    await expect(ensureMirror({ dataDir, owner: "..", repo: "r", remoteUrl })).rejects.toThrow(
      /Invalid owner/,
    );
    await expect(ensureMirror({ dataDir, owner: "o", repo: "a/b", remoteUrl })).rejects.toThrow(
      /Invalid repo/,
    );
  });

  it("fails with repo_not_found for a missing remote and leaves no half-made cache", async () => {
    const { dataDir } = await setup();
    const err = await ensureMirror({
      dataDir,
      owner: "o",
      repo: "r",
      remoteUrl: "file:///definitely/not/here.git",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("repo_not_found");
    expect(existsSync(path.join(dataDir, "mirrors", "o", "r.git"))).toBe(false);
    expect(existsSync(path.join(dataDir, "mirrors", "o", "r.git.lock"))).toBe(false);
    expect(readdirSync(path.join(dataDir, "mirrors", "o")).filter((n) => n.includes(".init-"))).toEqual([]);
  });

  it("serializes concurrent fetches of the same mirror", async () => {
    const { remoteUrl, dataDir } = await setup();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const git: RunGit = async (args, opts) => {
      if (!args.includes("fetch")) return runGit(args, opts);
      active++;
      maxActive = Math.max(maxActive, active);
      log.push("start");
      try {
        return await runGit(args, opts);
      } finally {
        log.push("end");
        active--;
      }
    };
    const dirs = await Promise.all(
      [1, 2, 3].map(() => ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl, runGit: git })),
    );
    expect(new Set(dirs).size).toBe(1);
    expect(maxActive).toBe(1);
    expect(log).toEqual(["start", "end", "start", "end", "start", "end"]);
    expect(existsSync(`${dirs[0]}.lock`)).toBe(false);
  });

  it("takes over a lock left by a dead process, and waits out (then reports) a live one", async () => {
    const { remoteUrl, dataDir } = await setup();
    const lock = `${mirrorPath(dataDir, "octo", "r")}.lock`;
    await fs.mkdir(path.dirname(lock), { recursive: true });
    await fs.writeFile(lock, `${lockReason(await deadPid())}\n2026-01-01T00:00:00Z\n`);
    await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl });
    expect(existsSync(lock)).toBe(false);

    await fs.writeFile(lock, `${lockReason(process.ppid)}\n${new Date().toISOString()}\n`);
    const err = await ensureMirror({
      dataDir,
      owner: "octo",
      repo: "r",
      remoteUrl,
      lockTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("lock");
    expect((err as GitError).message).toContain(`pid ${process.ppid}`);
    expect(existsSync(lock)).toBe(true); // not ours to remove
  });
});

describe("pushBranch and worktrees of the mirror", () => {
  it("runs a branch from origin/main in a worktree, commits, and pushes it with the token via env only", async () => {
    const { work, remote, remoteUrl, dataDir } = await setup();
    const { git, calls } = recording();
    const dir = await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl, auth: { token: TOKEN } });
    const wt = await createWorktree({
      repoDir: dir,
      worktreePath: path.join(dataDir, "worktrees", "run-1"),
      branch: "maestro/1-x-run1",
      baseRef: "origin/main",
    });
    expect(wt.baseSha).toBe(await work.git("rev-parse", "main"));
    await fs.writeFile(path.join(wt.path, "task.txt"), "done\n");
    const c = await commitAll({
      cwd: wt.path,
      message: "Task 0",
      trailers: { "Maestro-Task": "0" },
      author: { name: "bot", email: "bot@example.com" },
    });
    await pushBranch({ repoDir: dir, branch: wt.branch, remoteUrl, auth: { token: TOKEN }, runGit: git });
    expect(await gitIn(remote, "rev-parse", "refs/heads/maestro/1-x-run1")).toBe(c!.sha);
    expect(calls.every((x) => !x.args.join(" ").includes(TOKEN))).toBe(true);
    expect(calls[0]!.opts.env?.GIT_CONFIG_VALUE_0).toBe(basicAuthHeader(TOKEN));
    await removeWorktree(dir, wt.path);
    expect(await gitIn(dir, "rev-parse", "maestro/1-x-run1")).toBe(c!.sha);
  });

  it("reports a non-fast-forward push as non_fast_forward, and force overrides it", async () => {
    const { work, remote, remoteUrl, dataDir } = await setup();
    await work.git("push", "--quiet", remote, "main:refs/heads/run");
    await fs.writeFile(path.join(work.dir, "x.txt"), "remote side\n");
    await work.git("add", "x.txt");
    await work.git("commit", "-qm", "remote moved");
    await work.git("push", "--quiet", "--force", remote, "main:refs/heads/run");
    const dir = await ensureMirror({ dataDir, owner: "octo", repo: "r", remoteUrl });
    // Our "run" is behind the remote's: the remote moved on without us.
    await gitIn(dir, "branch", "run", "origin/main");
    const err = await pushBranch({ repoDir: dir, branch: "run", remoteUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe("non_fast_forward");
    await pushBranch({ repoDir: dir, branch: "run", remoteUrl, force: true });
    expect(await gitIn(remote, "rev-parse", "run")).toBe(await gitIn(dir, "rev-parse", "run"));
  });
});
