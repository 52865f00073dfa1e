// A real git repository in a temp dir, independent of the machine's global git config.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface TempRepo {
  dir: string;
  /** Run git in the repo; resolves to stdout without its trailing newline. */
  git: (...args: string[]) => Promise<string>;
  cleanup(): Promise<void>;
}

export const TEST_GIT_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: os.tmpdir(),
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
};

export function gitIn(dir: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd: dir, env: TEST_GIT_ENV, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(" ")} failed in ${dir}: ${stderr || err.message}`));
        else resolve(stdout.replace(/\n$/, ""));
      },
    );
  });
}

export async function makeTempDir(prefix = "maestro-test-"): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** A repo with one commit on `main` holding `files` (default: a README). */
export async function makeTempRepo(
  files: Record<string, string> = { "README.md": "# test\n" },
): Promise<TempRepo> {
  const dir = await makeTempDir("maestro-repo-");
  const git = (...args: string[]) => gitIn(dir, ...args);
  await git("init", "--quiet", "--initial-branch=main");
  await git("config", "user.name", "Test User");
  await git("config", "user.email", "test@example.com");
  await git("config", "commit.gpgsign", "false");
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, content);
  }
  await git("add", "-A");
  await git("commit", "--quiet", "--allow-empty", "-m", "initial commit");
  return { dir, git, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}
