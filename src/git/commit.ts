// One commit per finished task, carrying the checkpoint trailers (DESIGN §6).
import { runGit } from "./run-git.js";

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

// Hooks are untrusted code and signing needs keys we don't have: neither ever runs. Nor does
// `git maintenance run --auto`, which every commit would otherwise start (≈ 6 ms a task).
const SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "maintenance.auto=false"];

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

/** `git add -A` and what it staged: what the next commit would hold. */
export async function stageAll(cwd: string): Promise<StagedChanges> {
  await runGit([...SAFE, "add", "-A"], { cwd });
  const { stdout } = await runGit(["diff", "--cached", "--name-status", "-z", "-M"], { cwd });
  return parseNameStatus(stdout);
}

/** Commit what `stageAll` staged; null when nothing is staged (unless allowEmpty). */
export async function commitStaged(
  opts: CommitAllOptions,
  staged: StagedChanges,
): Promise<CommitResult | null> {
  const { cwd } = opts;
  if (staged.entries === 0 && !opts.allowEmpty) return null;
  const env = {
    GIT_AUTHOR_NAME: oneLine(opts.author.name),
    GIT_AUTHOR_EMAIL: oneLine(opts.author.email),
    GIT_COMMITTER_NAME: oneLine(opts.author.name),
    GIT_COMMITTER_EMAIL: oneLine(opts.author.email),
  };
  const message = buildCommitMessage(opts.message, opts.trailers, opts.coAuthors);
  const empty = staged.entries === 0 ? ["--allow-empty"] : [];
  // core.abbrev=no makes commit's own summary line carry the full sha: no rev-parse process per task.
  const { stdout } = await runGit(
    [...SAFE, "-c", "core.abbrev=no", "commit", "--no-verify", ...empty, "--cleanup=whitespace", "-F", "-"],
    { cwd, env, input: message },
  );
  const sha =
    COMMIT_SUMMARY.exec(stdout)?.[1] ?? (await runGit(["rev-parse", "HEAD"], { cwd })).stdout.trim();
  return { sha, filesChanged: staged.entries, files: staged.files };
}

/** Stage everything and commit it; null when there is nothing to commit (unless allowEmpty). */
export async function commitAll(opts: CommitAllOptions): Promise<CommitResult | null> {
  return commitStaged(opts, await stageAll(opts.cwd));
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
