// The bare-clone cache: one per repo at <dataDir>/mirrors/<owner>/<repo>.git, fetched before each
// run with +refs/heads/*:refs/remotes/origin/* (never --mirror: DESIGN §6 says why).
import fs from "node:fs";
import path from "node:path";
import { assertNoCredentialsInUrl, authEnv, authSecrets, type GitAuth } from "./auth.js";
import { acquireFileLock } from "./file-lock.js";
import { runGit as defaultRunGit, type RunGit } from "./run-git.js";

export const MIRROR_REFSPEC = "+refs/heads/*:refs/remotes/origin/*";
const NAME = /^[A-Za-z0-9_.-]+$/;

/** Owner and repo become path segments under the data dir: nothing that could climb out of it. */
export function assertRepoSegments(owner: string, repo: string): void {
  for (const [what, v] of [
    ["owner", owner],
    ["repo", repo],
  ] as const) {
    if (!NAME.test(v) || v === "." || v === "..") {
      throw new Error(`Invalid ${what} ${JSON.stringify(v)}: letters, digits, '.', '_' and '-' only.`);
    }
  }
}

export function mirrorPath(dataDir: string, owner: string, repo: string): string {
  assertRepoSegments(owner, repo);
  return path.join(path.resolve(dataDir), "mirrors", owner, `${repo}.git`);
}

export interface EnsureMirrorOptions {
  dataDir: string;
  owner: string;
  repo: string;
  /** Without credentials: the token goes in `auth`. */
  remoteUrl: string;
  auth?: GitAuth;
  timeoutMs?: number;
  lockTimeoutMs?: number;
  signal?: AbortSignal;
  /** For tests: observe or replace the git runner. */
  runGit?: RunGit;
}

/** Create the bare cache if needed, then fetch it; returns its path. Concurrent callers take turns. */
export async function ensureMirror(opts: EnsureMirrorOptions): Promise<string> {
  assertNoCredentialsInUrl(opts.remoteUrl);
  const git = opts.runGit ?? defaultRunGit;
  const dir = mirrorPath(opts.dataDir, opts.owner, opts.repo);
  const release = await acquireFileLock(`${dir}.lock`, {
    timeoutMs: opts.lockTimeoutMs,
    signal: opts.signal,
  });
  let created = false;
  try {
    if (!fs.existsSync(path.join(dir, "HEAD"))) {
      await initMirror(dir, opts.remoteUrl, git);
      created = true;
    } else await git(["config", "remote.origin.url", opts.remoteUrl], { cwd: dir });
    await git(["fetch", "--prune", "--quiet", "origin"], {
      cwd: dir,
      env: authEnv(opts.auth),
      secrets: authSecrets(opts.auth),
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
    return dir;
  } catch (err) {
    // A cache that never fetched anything (wrong name, no access) is not worth keeping.
    if (created) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    release();
  }
}

// Built aside and renamed into place, so a crash never leaves a half-made cache at `dir`.
async function initMirror(dir: string, remoteUrl: string, git: RunGit): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    await git(["init", "--bare", "--quiet", tmp], { cwd: path.dirname(dir) });
    const set = (key: string, value: string) => git(["config", key, value], { cwd: tmp });
    await set("remote.origin.url", remoteUrl);
    await set("remote.origin.fetch", MIRROR_REFSPEC);
    // Worktrees of the cache never run repository hooks.
    await set("core.hooksPath", "/dev/null");
    await set("gc.autoDetach", "false");
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

export interface PushBranchOptions {
  repoDir: string;
  branch: string;
  remoteUrl: string;
  auth?: GitAuth;
  /** Overwrite the remote branch even if it moved (default false: fast-forward only). */
  force?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  runGit?: RunGit;
}

/** Push refs/heads/<branch> to the same name on the remote, token via env only, no hooks. */
export async function pushBranch(opts: PushBranchOptions): Promise<void> {
  assertNoCredentialsInUrl(opts.remoteUrl);
  if (!opts.branch || opts.branch.startsWith("-"))
    throw new Error(`Invalid branch ${JSON.stringify(opts.branch)}`);
  const git = opts.runGit ?? defaultRunGit;
  const refspec = `${opts.force ? "+" : ""}refs/heads/${opts.branch}:refs/heads/${opts.branch}`;
  await git(["-c", "core.hooksPath=/dev/null", "push", "--no-verify", "--quiet", opts.remoteUrl, refspec], {
    cwd: opts.repoDir,
    env: authEnv(opts.auth),
    secrets: authSecrets(opts.auth),
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
}
