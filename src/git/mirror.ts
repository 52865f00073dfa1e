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

/**
 * The mirror's whole config as Maestro makes it. Written before every fetch and push of the worker: nothing
 * a process wrote there (url.*.insteadOf, core.fsmonitor, include.path, a hooks path) survives to steer
 * Maestro's git. The sandbox cannot reach the file; this holds where it is off (DESIGN §6).
 */
export function mirrorConfigText(remoteUrl: string): string {
  if (/[\r\n"\\]/.test(remoteUrl)) throw new Error(`Invalid remote URL ${JSON.stringify(remoteUrl)}`);
  return [
    "[core]",
    "\trepositoryformatversion = 0",
    "\tfilemode = true",
    "\tbare = true",
    "\thooksPath = /dev/null",
    "\tfsmonitor = false",
    '[remote "origin"]',
    `\turl = "${remoteUrl}"`,
    `\tfetch = ${MIRROR_REFSPEC}`,
    "[gc]",
    "\tautoDetach = false",
    "",
  ].join("\n");
}

/** Replaces the mirror's config with mirrorConfigText, atomically (readers see the old file or the new). */
export function resetMirrorConfig(dir: string, remoteUrl: string): void {
  const tmp = path.join(dir, `config.maestro-${process.pid}-${Date.now()}`);
  fs.writeFileSync(tmp, mirrorConfigText(remoteUrl), { mode: 0o644 });
  fs.renameSync(tmp, path.join(dir, "config"));
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
    } else resetMirrorConfig(dir, opts.remoteUrl);
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
    // Worktrees of the cache never run repository hooks; see mirrorConfigText.
    resetMirrorConfig(tmp, remoteUrl);
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
  /** repoDir is Maestro's mirror of remoteUrl: its config is reset (resetMirrorConfig) before the push. */
  mirror?: boolean;
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
  if (opts.mirror) resetMirrorConfig(opts.repoDir, opts.remoteUrl);
  await git(["-c", "core.hooksPath=/dev/null", "push", "--no-verify", "--quiet", opts.remoteUrl, refspec], {
    cwd: opts.repoDir,
    env: authEnv(opts.auth),
    secrets: authSecrets(opts.auth),
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
}
