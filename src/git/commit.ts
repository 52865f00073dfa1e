// One commit per finished task, carrying the checkpoint trailers (DESIGN §6).
import { spawn } from "node:child_process";
import fs from "node:fs";
import { classifyGitError, GitError, gitHint, mainLine, type GitErrorKind } from "./errors.js";
import { gitEnv, runGit } from "./run-git.js";

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

/** What `git add -A` staged, held uncommitted until the caller decides (e.g. after the protected-paths check). */
export interface StagedCommit {
  /** Everything staged, including what the agent staged with its own `git add`. */
  readonly staged: StagedChanges;
  /** Commit what is staged; null when nothing is staged (unless allowEmpty). Ends the process. */
  commit(opts: CommitMessageOptions): Promise<CommitResult | null>;
  /** Leave it staged, uncommitted, and end the process. A no-op after commit(); always call it (finally). */
  abandon(): Promise<void>;
}

// One `sh` per task stages, lists, waits for the caller's verdict on stdin, then execs `git commit`:
// one child spawned from Node instead of three. Here a spawn from Node costs ≈ 8–10 ms (fork of a large
// process), one from sh ≈ 2 ms (vfork). The script is fixed: no caller input ever reaches the shell;
// the message follows the verdict line on stdin and is read by git itself (`read` stops at the newline).
// Hooks are untrusted code and signing needs keys we don't have: neither ever runs. Nor does
// `git maintenance run --auto`, which every commit would otherwise start (≈ 6 ms a task).
// core.abbrev=no makes commit's own summary line carry the full sha: no rev-parse process.
const SAFE = "-c core.hooksPath=/dev/null -c commit.gpgsign=false -c maintenance.auto=false";
const COMMIT = `${SAFE} -c core.abbrev=no commit --no-verify --cleanup=whitespace -F -`;
const STAGE_AND_COMMIT = `git ${SAFE} add -A || exit 101
git diff --cached --name-status -z -M || exit 102
printf '\\0'
IFS= read -r verdict || exit 0
case $verdict in
  commit) exec git ${COMMIT} ;;
  commit-empty) exec git ${COMMIT} --allow-empty ;;
esac
exit 0
`;
const STEPS: Record<number, string[]> = {
  101: ["add", "-A"],
  102: ["diff", "--cached", "--name-status", "-z", "-M"],
};
const COMMIT_ARGS = ["commit", "--no-verify", "--cleanup=whitespace", "-F", "-"];
const MAX_STDERR = 64 * 1024;

/** `git add -A` and what it staged, the commit left to `StagedCommit.commit` (one child process for both). */
export function stageForCommit(opts: { cwd: string; author: Person }): Promise<StagedCommit> {
  const { cwd } = opts;
  const env = gitEnv({
    GIT_AUTHOR_NAME: oneLine(opts.author.name),
    GIT_AUTHOR_EMAIL: oneLine(opts.author.email),
    GIT_COMMITTER_NAME: oneLine(opts.author.name),
    GIT_COMMITTER_EMAIL: oneLine(opts.author.email),
  });
  return new Promise<StagedCommit>((resolveStaged, rejectStaged) => {
    // "$0" names the script in `ps` and in the benchmarks' process timings.
    const child = spawn("sh", ["-c", STAGE_AND_COMMIT, "maestro-commit"], { cwd, env, stdio: "pipe" });
    let out = "";
    let err = "";
    let listed = false;
    let verdictSent = false;
    const exited = new Promise<{ code: number | null; signal: string | null; spawnError?: Error }>(
      (resolve) => {
        child.once("error", (e) => resolve({ code: null, signal: null, spawnError: e }));
        child.once("close", (code, signal) => resolve({ code, signal }));
      },
    );
    child.stdin.on("error", () => {});
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      if (err.length < MAX_STDERR) err += d;
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      out += d;
      // The list ends with a NUL of its own ("" when empty); no field is empty, so "\0\0" never occurs inside it.
      if (listed || !(out === "\0" || out.endsWith("\0\0"))) return;
      listed = true;
      const staged = parseNameStatus(out.slice(0, -1));
      out = "";
      const send = (verdict: string) => {
        const first = !verdictSent;
        verdictSent = true;
        if (first) child.stdin.end(verdict);
        return first;
      };
      const abandon = async () => {
        send("");
        await exited;
      };
      const commit = async (m: CommitMessageOptions): Promise<CommitResult | null> => {
        if (staged.entries === 0 && !m.allowEmpty) {
          await abandon();
          return null;
        }
        const message = buildCommitMessage(m.message, m.trailers, m.coAuthors);
        if (!send(`${staged.entries === 0 ? "commit-empty" : "commit"}\n${message}`)) {
          throw new Error("stageForCommit: commit() after commit() or abandon()");
        }
        const r = await exited;
        if (r.code !== 0) throw scriptError(COMMIT_ARGS, cwd, r, err, out);
        const sha =
          COMMIT_SUMMARY.exec(out)?.[1] ?? (await runGit(["rev-parse", "HEAD"], { cwd })).stdout.trim();
        return { sha, filesChanged: staged.entries, files: staged.files };
      };
      resolveStaged({ staged, commit, abandon });
    });
    void exited.then((r) => {
      if (!listed) rejectStaged(scriptError(STEPS[r.code ?? -1] ?? ["add", "-A"], cwd, r, err, out));
    });
  });
}

function scriptError(
  args: string[],
  cwd: string,
  r: { code: number | null; signal: string | null; spawnError?: Error },
  stderr: string,
  stdout: string,
): GitError {
  let kind: GitErrorKind;
  let what: string;
  if (r.spawnError) {
    // spawn reports a missing cwd as ENOENT too: tell the two apart.
    const cwdMissing = !fs.existsSync(cwd);
    kind = cwdMissing ? "not_a_repository" : "git_missing";
    what = cwdMissing ? "the directory does not exist" : `sh could not be started (${r.spawnError.message})`;
  } else if (/\bgit: (command )?not found/.test(stderr)) {
    kind = "git_missing";
    what = "git was not found";
  } else {
    kind = classifyGitError(`${stderr}\n${stdout}`);
    what =
      mainLine(stderr) ||
      mainLine(stdout) ||
      (r.signal ? `killed by ${r.signal}` : `exited with code ${String(r.code)}`);
  }
  return new GitError({
    kind,
    message: `git ${args.join(" ")} (in ${cwd}): ${what}. ${gitHint(kind)}`,
    stderr,
    args,
    exitCode: r.code,
  });
}

/** `git add -A` and what it staged: what the next commit would hold. */
export async function stageAll(cwd: string): Promise<StagedChanges> {
  // The author only matters to a commit, which this never makes.
  const s = await stageForCommit({ cwd, author: { name: "Maestro", email: "maestro@localhost" } });
  await s.abandon();
  return s.staged;
}

/** Stage everything and commit it; null when there is nothing to commit (unless allowEmpty). */
export async function commitAll(opts: CommitAllOptions): Promise<CommitResult | null> {
  const s = await stageForCommit(opts);
  try {
    return await s.commit(opts);
  } finally {
    await s.abandon();
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
