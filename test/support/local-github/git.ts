// The bare repositories behind the local GitHub: created with files, read for the contents API and
// pull-request heads. git runs with no global or system config, so the machine's settings don't leak in.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const GIT_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: os.tmpdir(),
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
};

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git in `cwd`; never rejects (the caller decides what a non-zero exit means). */
export function gitRaw(cwd: string, args: string[], env: Record<string, string> = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      "git",
      args,
      { cwd, env: { ...GIT_ENV, ...env }, encoding: "buffer", maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr.toString() });
      },
    );
  });
}

/** Runs git and returns stdout without its trailing newline; throws with git's stderr on failure. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await gitRaw(cwd, args);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr.trim()}`);
  return r.stdout.toString().replace(/\n$/, "");
}

const AUTHOR = {
  GIT_AUTHOR_NAME: "Local GitHub",
  GIT_AUTHOR_EMAIL: "local-github@example.com",
  GIT_COMMITTER_NAME: "Local GitHub",
  GIT_COMMITTER_EMAIL: "local-github@example.com",
};

/** A bare repo at `dir` that accepts pushes over smart HTTP, with `files` committed on `branch`. */
export async function createBareRepo(
  dir: string,
  branch: string,
  files: Record<string, string>,
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await git(dir, "init", "--bare", "--quiet", `--initial-branch=${branch}`);
  await git(dir, "config", "http.receivepack", "true");
  // Smart HTTP needs no update-server-info; keep pushes from being refused for a checked-out branch.
  await git(dir, "config", "receive.denyCurrentBranch", "ignore");
  await commitFiles(dir, branch, files, "Initial commit");
}

/**
 * Commits `files` (path → text; null deletes) on top of `branch` (or as its first commit) straight
 * into the bare repo, through a temporary index: no clone, no working tree.
 */
export async function commitFiles(
  bareDir: string,
  branch: string,
  files: Record<string, string | null>,
  message: string,
): Promise<string> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "local-github-index-"));
  const env = { ...AUTHOR, GIT_INDEX_FILE: path.join(tmp, "index") };
  try {
    const parent = await revParse(bareDir, `refs/heads/${branch}`);
    if (parent) await run(bareDir, ["read-tree", parent], env);
    for (const [rel, text] of Object.entries(files)) {
      if (text === null) {
        await run(bareDir, ["update-index", "--force-remove", "--", rel], env);
        continue;
      }
      const blobFile = path.join(tmp, "blob");
      await fs.writeFile(blobFile, text);
      const sha = (await run(bareDir, ["hash-object", "-w", blobFile], env)).trim();
      await run(bareDir, ["update-index", "--add", "--cacheinfo", `100644,${sha},${rel}`], env);
    }
    const tree = (await run(bareDir, ["write-tree"], env)).trim();
    const commit = (
      await run(bareDir, ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message], env)
    ).trim();
    await run(bareDir, ["update-ref", `refs/heads/${branch}`, commit, ...(parent ? [parent] : [])], env);
    return commit;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function run(cwd: string, args: string[], env: Record<string, string>): Promise<string> {
  const r = await gitRaw(cwd, args, env);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr.trim()}`);
  return r.stdout.toString();
}

/** The sha a ref names, or null when it does not exist. */
export async function revParse(bareDir: string, ref: string): Promise<string | null> {
  const r = await gitRaw(bareDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.toString().trim() : null;
}

export type TreeEntry = { type: "blob" | "tree"; path: string; name: string; sha: string; size: number };

type PathContent =
  { kind: "file"; sha: string; content: Buffer } | { kind: "dir"; entries: TreeEntry[] } | null;

// What a commit holds never changes: keyed by commit sha, the answer is read once. Serving the contents
// API from git with two or three child processes per request made the stand-in, not the server under
// test, the bound of the intake benchmark.
const pathCache = new Map<string, Promise<PathContent>>();
const PATH_CACHE_MAX = 5000;

/** What is at `rel` in `rev`: a file's bytes, a directory's entries, or null. */
export function readPath(bareDir: string, rev: string, rel: string): Promise<PathContent> {
  if (!/^[0-9a-f]{40}$/.test(rev)) return readPathUncached(bareDir, rev, rel);
  const key = `${bareDir}\0${rev}\0${rel}`;
  let hit = pathCache.get(key);
  if (!hit) {
    if (pathCache.size >= PATH_CACHE_MAX) pathCache.delete(pathCache.keys().next().value!);
    hit = readPathUncached(bareDir, rev, rel);
    pathCache.set(key, hit);
  }
  return hit;
}

async function readPathUncached(bareDir: string, rev: string, rel: string): Promise<PathContent> {
  const clean = rel.replace(/^\/+|\/+$/g, "");
  if (clean === "" || clean.split("/").some((s) => s === ".." || s === ".")) return null;
  const ls = await gitRaw(bareDir, ["ls-tree", "--long", "-z", rev, "--", clean]);
  if (ls.code !== 0) return null;
  const entries = parseLsTree(ls.stdout.toString());
  const self = entries.find((e) => e.path === clean);
  if (!self) return null;
  if (self.type === "blob") {
    const blob = await gitRaw(bareDir, ["cat-file", "blob", self.sha]);
    return { kind: "file", sha: self.sha, content: blob.stdout };
  }
  const inner = await gitRaw(bareDir, ["ls-tree", "--long", "-z", rev, "--", `${clean}/`]);
  return { kind: "dir", entries: parseLsTree(inner.stdout.toString()) };
}

function parseLsTree(text: string): TreeEntry[] {
  return text
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const [meta, p] = line.split("\t") as [string, string];
      const [, type, sha, size] = meta.split(/\s+/) as [string, string, string, string];
      return {
        type: type === "tree" ? "tree" : "blob",
        path: p,
        name: p.split("/").pop()!,
        sha,
        size: size === "-" ? 0 : Number(size),
      } as TreeEntry;
    });
}

/** Commits reachable from `head` and not from `base`, oldest first. */
export async function commitsBetween(
  bareDir: string,
  base: string,
  head: string,
): Promise<{ sha: string; subject: string; message: string; author: string }[]> {
  const r = await gitRaw(bareDir, [
    "log",
    "--reverse",
    "-z",
    "--format=%H%x1f%an <%ae>%x1f%B",
    `${base}..${head}`,
  ]);
  if (r.code !== 0) return [];
  return r.stdout
    .toString()
    .split("\0")
    .filter((s) => s.trim() !== "")
    .map((rec) => {
      const [sha, author, message] = rec.split("\x1f") as [string, string, string];
      return { sha: sha.trim(), author, message: message.trim(), subject: message.split("\n")[0]! };
    });
}
