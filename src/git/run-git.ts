// Run git without a shell, with an allowlisted environment and typed, redacted errors.
import { execFile } from "node:child_process";
import fs from "node:fs";
import { createRedactor, type Redactor } from "../security/redact.js";
import { classifyGitError, GitError, gitHint, mainLine, type GitErrorKind } from "./errors.js";

export interface RunGitOptions {
  cwd: string;
  /** Added to the allowlisted environment (e.g. GIT_AUTHOR_*, GIT_CONFIG_* for auth). */
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra values to hide in errors (e.g. the token carried in opts.env). */
  secrets?: string[];
}

export interface RunGitResult {
  stdout: string;
  stderr: string;
}

export type RunGit = (args: string[], opts: RunGitOptions) => Promise<RunGitResult>;

const ENV_ALLOWLIST = ["PATH", "HOME", "LANG", "TMPDIR"];
const MAX_BUFFER = 256 * 1024 * 1024;

/** The environment git runs with: a small allowlist of the parent's, no prompts, English messages. */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ENV_ALLOWLIST) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  // Error classification reads git's messages, so keep them untranslated.
  env.LC_ALL = "C";
  return { ...env, ...extra };
}

export const runGit: RunGit = (args, opts) => {
  const redact = createRedactor([
    ...(opts.secrets ?? []),
    ...Object.values(opts.env ?? {}).filter(looksSecret),
  ]);
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      {
        cwd: opts.cwd,
        env: gitEnv(opts.env),
        maxBuffer: MAX_BUFFER,
        timeout: opts.timeoutMs,
        killSignal: "SIGKILL",
        signal: opts.signal,
        encoding: "utf8",
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        reject(toGitError(err as ExecError, args, String(stdout ?? ""), String(stderr ?? ""), opts, redact));
      },
    );
    // Always close stdin, so git never waits on it; it may exit before reading all input (the exit code tells).
    child.stdin?.on("error", () => {});
    child.stdin?.end(opts.input ?? "");
  });
};

// Values carried in env that must never show up in an error message (auth headers and the like).
function looksSecret(v: string): boolean {
  return /authorization|token|bearer|basic /i.test(v);
}

interface ExecError extends Error {
  code?: number | string | null;
  killed?: boolean;
  signal?: string | null;
}

function toGitError(
  err: ExecError,
  args: string[],
  stdout: string,
  stderr: string,
  opts: RunGitOptions,
  redact: Redactor,
): GitError {
  const safeArgs = args.map(redact);
  const safeStderr = redact(stderr);
  const cmd = `git ${safeArgs.join(" ")}`;
  let kind: GitErrorKind;
  // spawn reports a missing cwd as ENOENT too: tell the two apart.
  const cwdMissing = err.code === "ENOENT" && !fs.existsSync(opts.cwd);
  if (cwdMissing) kind = "not_a_repository";
  else if (err.code === "ENOENT") kind = "git_missing";
  else if (err.name === "AbortError" || opts.signal?.aborted) kind = "aborted";
  else if (err.killed && opts.timeoutMs !== undefined) kind = "timeout";
  else kind = classifyGitError(`${stderr}\n${stdout}`);
  const what = cwdMissing
    ? "the directory does not exist"
    : kind === "git_missing"
      ? "git was not found"
      : kind === "timeout"
        ? `timed out after ${opts.timeoutMs} ms`
        : kind === "aborted"
          ? "was cancelled"
          : redact(mainLine(stderr) || mainLine(stdout) || `exited with code ${String(err.code)}`);
  return new GitError({
    kind,
    message: `${cmd} (in ${opts.cwd}): ${what}. ${gitHint(kind)}`,
    stderr: safeStderr,
    args: safeArgs,
    exitCode: typeof err.code === "number" ? err.code : null,
  });
}
