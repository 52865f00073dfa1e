// One commit per finished task, carrying the checkpoint trailers (DESIGN §6).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { classifyGitError, GitError, gitHint, mainLine, type GitErrorKind } from "./errors.js";
import { gitEnv, runGit } from "./run-git.js";
import { trustedGitDir, WORKTREE_SAFE_CONFIG, worktreeGitEnv } from "./worktree-git.js";

export interface Person {
  name: string;
  email: string;
}

export interface CommitAllOptions {
  cwd: string;
  message: string;
  /** e.g. { "Maestro-Run": runId, "Maestro-Task": "3" } */
  trailers: Record<string, string>;
  author: Person;
  coAuthors?: Person[];
  /** Commit even when nothing changed: a task that needed no change still leaves its checkpoint trailer. */
  allowEmpty?: boolean;
}

export interface CommitResult {
  sha: string;
  /** Files in the commit as git counts them (a rename is one). */
  filesChanged: number;
  /** Every path the commit touches, old and new names of renames included. */
  files: string[];
}

/** `[branch (root-commit) <sha>] subject`, the first line `git commit` prints (LC_ALL=C). */
const COMMIT_SUMMARY = /^\[[^\]\n]*? ([0-9a-f]{40,64})\] /;

const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ").trim();
}

function person(p: Person): string {
  return `${oneLine(p.name).replace(/[<>]/g, "")} <${oneLine(p.email).replace(/[<>]/g, "")}>`;
}

export function buildCommitMessage(
  message: string,
  trailers: Record<string, string>,
  coAuthors: Person[] = [],
): string {
  const body = message.replace(/\r\n/g, "\n").trim();
  if (!body) throw new Error("commitAll: the commit message is empty");
  const lines: string[] = [];
  for (const [key, value] of Object.entries(trailers)) {
    if (!TRAILER_KEY.test(key)) throw new Error(`commitAll: invalid trailer key ${JSON.stringify(key)}`);
    lines.push(`${key}: ${oneLine(value)}`);
  }
  for (const p of coAuthors) lines.push(`Co-authored-by: ${person(p)}`);
  return lines.length ? `${body}\n\n${lines.join("\n")}\n` : `${body}\n`;
}

export interface StagedChanges {
  /** Entries as git counts them (a rename is one). */
  entries: number;
  /** Every path touched, both names of a rename. */
  files: string[];
}

export type CommitMessageOptions = Pick<
  CommitAllOptions,
  "message" | "trailers" | "coAuthors" | "allowEmpty"
>;

/** A run's staging and commits, one child process for all of them (see `openCommitSession`). */
export interface CommitSession {
  /** Start the helper now rather than on first use: its spawn blocks the event loop, so do it while another child runs. */
  start(): void;
  /** `git add -A`, then everything staged: what the next commit would hold, including what the agent staged itself. */
  stage(): Promise<StagedChanges>;
  /** Commit what `stage` staged; null when nothing is staged (unless allowEmpty). */
  commit(staged: StagedChanges, opts: CommitMessageOptions): Promise<CommitResult | null>;
  /** Ends the process and removes the message file. Idempotent; call it when the run ends (finally). */
  close(): Promise<void>;
}

// Every task runs `git add -A`, `git diff --cached` and `git commit`. Spawned from Node each costs ≈ 8–10 ms
// more than the same process started by sh (Node forks a large process; dash uses vfork), so one `sh` per run
// runs them all: it reads a fixed request word per line on stdin and answers each with a frame. The script is
// fixed: no caller input ever reaches the shell (the message goes to git through a file, "$1").
// Hooks are untrusted code and signing needs keys we don't have: neither ever runs. Nor does
// `git maintenance run --auto`, which every commit would otherwise start (≈ 6 ms a task).
// core.abbrev=no makes commit's own summary line carry the full sha: no rev-parse process.
// The git dir is fixed and outside config unread (src/git/worktree-git.ts): nothing the agent left in the
// worktree steers these commands.
const SAFE = `${WORKTREE_SAFE_CONFIG.join(" ")} -c commit.gpgsign=false -c maintenance.auto=false`;
const COMMIT = `${SAFE} -c core.abbrev=no commit --no-verify --cleanup=whitespace -F "$1"`;
// Each answer: stdout, then NUL NUL <status> LF; stderr, then NUL LF. The list (-z) never holds two NULs in a
// row (no field is empty) and the other output is text, so the frames cannot be mistaken.
const SESSION_SCRIPT = `while IFS= read -r request; do
  case $request in
    stage)
      if git ${SAFE} add -A; then
        if git diff --cached --name-status -z -M; then s=0; else s=102; fi
      else s=101; fi ;;
    commit) git ${COMMIT}; s=$? ;;
    commit-empty) git ${COMMIT} --allow-empty; s=$? ;;
    *) s=100 ;;
  esac
  printf '\\0\\0%s\\n' "$s"
  printf '\\0\\n' >&2
done
`;
const OUT_FRAME = /\0\0(\d+)\n$/;
const ERR_FRAME = "\0\n";
const STAGE_STEPS: Record<number, string[]> = {
  101: ["add", "-A"],
  102: ["diff", "--cached", "--name-status", "-z", "-M"],
};
const COMMIT_ARGS = ["commit", "--no-verify", "--cleanup=whitespace", "-F", "FILE"];
const MAX_STDERR = 64 * 1024;

interface Answer {
  status: number;
  stdout: string;
  stderr: string;
}

/** Errors of a request the helper never answered because it was already gone. */
const diedBeforeAnswer = new WeakSet<object>();

interface Helper {
  ask(request: string): Promise<Answer>;
  end(): Promise<void>;
}

/**
 * Staging and commits for one worktree with one long-lived `sh` (started on first use, again if it died).
 * The author is fixed for the session; the message of each commit comes with `commit`.
 */
export function openCommitSession(opts: { cwd: string; author: Person }): CommitSession {
  const { cwd } = opts;
  // Not a repository (yet): git itself says so on the first request, with its own error kind.
  const gitDir = tryTrustedGitDir(cwd);
  const pinned = gitDir ? worktreeGitEnv(gitDir, cwd) : {};
  const env = gitEnv({
    ...pinned,
    GIT_AUTHOR_NAME: oneLine(opts.author.name),
    GIT_AUTHOR_EMAIL: oneLine(opts.author.email),
    GIT_COMMITTER_NAME: oneLine(opts.author.name),
    GIT_COMMITTER_EMAIL: oneLine(opts.author.email),
  });
  let dir: string | undefined;
  let helper: Helper | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const messageFile = () => {
    dir ??= fs.mkdtempSync(path.join(os.tmpdir(), "maestro-commit-"));
    return path.join(dir, "message");
  };
  // One request at a time, in order.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const running = () => (helper ??= startHelper(cwd, env, messageFile(), () => (helper = undefined)));
  const ask = async (request: string) => {
    if (closed) throw new Error("commit session: used after close()");
    return running().ask(request);
  };

  return {
    start: () => {
      if (!closed) running();
    },
    stage: () =>
      serial(async () => {
        // A helper that died since the last task (killed, say) is only noticed when asked: staging again is harmless.
        const a = await ask("stage").catch((err: unknown) => {
          if (diedBeforeAnswer.has(err as object)) return ask("stage");
          throw err;
        });
        if (a.status !== 0) throw scriptError(STAGE_STEPS[a.status] ?? ["add", "-A"], cwd, a);
        return parseNameStatus(a.stdout);
      }),
    commit: (staged, m) =>
      serial(async () => {
        if (staged.entries === 0 && !m.allowEmpty) return null;
        const message = buildCommitMessage(m.message, m.trailers, m.coAuthors);
        fs.writeFileSync(messageFile(), message, { mode: 0o600 });
        const a = await ask(staged.entries === 0 ? "commit-empty" : "commit");
        if (a.status !== 0) throw scriptError(COMMIT_ARGS, cwd, a);
        const sha =
          COMMIT_SUMMARY.exec(a.stdout)?.[1] ??
          (await runGit(["rev-parse", "HEAD"], { cwd, env: pinned })).stdout.trim();
        return { sha, filesChanged: staged.entries, files: staged.files };
      }),
    close: () =>
      serial(async () => {
        closed = true;
        await helper?.end();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        dir = undefined;
      }),
  };
}

function tryTrustedGitDir(cwd: string): string | undefined {
  try {
    return trustedGitDir(cwd);
  } catch {
    return undefined;
  }
}

function startHelper(
  cwd: string,
  env: Record<string, string>,
  messageFile: string,
  onExit: () => void,
): Helper {
  // "$0" names the script in `ps` and in the benchmarks' process timings. Its own process group: a sweep
  // of processes left in a worktree (src/git/orphan-processes.ts) kills whole groups and must never reach
  // the worker's. It exits by itself when its stdin closes, so it never outlives this process.
  const child = spawn("sh", ["-c", SESSION_SCRIPT, "maestro-commit", messageFile], {
    cwd,
    env,
    stdio: "pipe",
    detached: true,
  });
  let out = "";
  let err = "";
  let status: number | undefined;
  let errDone = false;
  let pending:
    | { request: string; answered: boolean; resolve: (a: Answer) => void; reject: (e: Error) => void }
    | undefined;
  let exit: { code: number | null; signal: string | null; spawnError?: Error } | undefined;
  const exited = new Promise<void>((resolve) => {
    const done = (e: NonNullable<typeof exit>) => {
      if (exit) return;
      exit = e;
      onExit();
      resolve();
      // Died mid-request (or never started): the request fails with what the process said.
      if (pending) {
        const args = pending.request === "stage" ? ["add", "-A"] : COMMIT_ARGS;
        const error = scriptError(args, cwd, { status: e.code ?? -1, stdout: out, stderr: err }, e);
        if (!e.spawnError && !pending.answered) diedBeforeAnswer.add(error);
        pending.reject(error);
      }
      pending = undefined;
    };
    child.once("error", (spawnError) => done({ code: null, signal: null, spawnError }));
    child.once("close", (code, signal) => done({ code, signal }));
  });
  const settle = () => {
    if (status === undefined || !errDone || !pending) return;
    const answer = { status, stdout: out, stderr: err.slice(0, -ERR_FRAME.length) };
    const p = pending;
    pending = undefined;
    out = "";
    err = "";
    status = undefined;
    errDone = false;
    p.resolve(answer);
  };
  child.stdin.on("error", () => {});
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d: string) => {
    if (pending) pending.answered = true;
    out += d;
    const m = OUT_FRAME.exec(out);
    if (!m) return;
    status = Number(m[1]);
    out = out.slice(0, m.index);
    settle();
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => {
    if (pending) pending.answered = true;
    err = err.length > MAX_STDERR ? err.slice(-MAX_STDERR) + d : err + d;
    if (!err.endsWith(ERR_FRAME)) return;
    errDone = true;
    settle();
  });
  return {
    ask(request) {
      if (exit) return Promise.reject(new Error("commit session: the helper process has exited"));
      return new Promise<Answer>((resolve, reject) => {
        pending = { request, answered: false, resolve, reject };
        child.stdin.write(`${request}\n`);
      });
    },
    async end() {
      child.stdin.end();
      await exited;
    },
  };
}

function scriptError(
  args: string[],
  cwd: string,
  a: Answer,
  exit?: { code: number | null; signal: string | null; spawnError?: Error },
): GitError {
  let kind: GitErrorKind;
  let what: string;
  if (exit?.spawnError) {
    // spawn reports a missing cwd as ENOENT too: tell the two apart.
    const cwdMissing = !fs.existsSync(cwd);
    kind = cwdMissing ? "not_a_repository" : "git_missing";
    what = cwdMissing
      ? "the directory does not exist"
      : `sh could not be started (${exit.spawnError.message})`;
  } else if (/\bgit: (command )?not found/.test(a.stderr)) {
    kind = "git_missing";
    what = "git was not found";
  } else {
    kind = classifyGitError(`${a.stderr}\n${a.stdout}`);
    what =
      mainLine(a.stderr) ||
      mainLine(a.stdout) ||
      (exit?.signal ? `killed by ${exit.signal}` : `exited with code ${String(exit?.code ?? a.status)}`);
  }
  return new GitError({
    kind,
    message: `git ${args.join(" ")} (in ${cwd}): ${what}. ${gitHint(kind)}`,
    stderr: a.stderr,
    args,
    exitCode: exit ? exit.code : a.status,
  });
}

/** `git add -A` and what it staged: what the next commit would hold. */
export async function stageAll(cwd: string): Promise<StagedChanges> {
  // The author only matters to a commit, which this never makes.
  const s = openCommitSession({ cwd, author: { name: "Maestro", email: "maestro@localhost" } });
  try {
    return await s.stage();
  } finally {
    await s.close();
  }
}

/** Stage everything and commit it; null when there is nothing to commit (unless allowEmpty). */
export async function commitAll(opts: CommitAllOptions): Promise<CommitResult | null> {
  const s = openCommitSession(opts);
  try {
    return await s.commit(await s.stage(), opts);
  } finally {
    await s.close();
  }
}

function parseNameStatus(z: string): { entries: number; files: string[] } {
  const parts = z.split("\0").filter((p) => p !== "");
  const files = new Set<string>();
  let entries = 0;
  for (let i = 0; i < parts.length;) {
    const status = parts[i++]!;
    entries++;
    const n = /^[RC]/.test(status) ? 2 : 1;
    for (let k = 0; k < n && i < parts.length; k++) files.add(parts[i++]!);
  }
  return { entries, files: [...files] };
}
