// Each `maestro` verb loads only its own modules (src/cli/main.ts): `--help` loads commander and nothing of
// Maestro's engine or its heavy dependencies; `run` loads the engine but none of the GitHub App's (Probot,
// Octokit, BullMQ, ioredis). Checked in a child process whose every loaded module is logged by a loader hook.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../../..");
const BIN = path.join(ROOT, "src/cli/bin.ts");
const TSX = path.join(ROOT, "node_modules/tsx/dist/loader.mjs");

// Registered after tsx's loader, so it sees every module first (its load hook runs before tsx's).
const HOOKS = `import fs from "node:fs";
export async function load(url, context, next) {
  fs.appendFileSync(process.env.MAESTRO_TEST_MODULE_LOG, url + "\\n");
  return next(url, context);
}`;
const REGISTER = `import { register } from "node:module";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

const GITHUB_APP_DEPS = /\/node_modules\/(probot|@octokit\/[^/]+|octokit|bullmq|ioredis|pino)\//;

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-lazy-"));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** The URLs of every module `maestro ARGS` loaded. */
async function modulesLoadedBy(args: string[], cwd: string): Promise<{ modules: string[]; stdout: string }> {
  const log = path.join(work, `modules-${Math.random().toString(16).slice(2)}.txt`);
  const { stdout } = await exec(
    process.execPath,
    ["--import", TSX, "--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, BIN, ...args],
    { cwd, env: { PATH: process.env.PATH, HOME: work, MAESTRO_TEST_MODULE_LOG: log } },
  );
  return { modules: fs.readFileSync(log, "utf8").split("\n").filter(Boolean), stdout };
}

describe("maestro loads only what a command needs", () => {
  it("`--help` loads commander, and none of the engine, zod, yaml, micromark or the GitHub App", async () => {
    const { modules, stdout } = await modulesLoadedBy(["--help"], ROOT);
    expect(stdout).toContain("Usage: maestro");
    expect(modules.some((m) => m.includes("/node_modules/commander/"))).toBe(true);
    expect(modules.some((m) => m.endsWith("/src/cli/main.ts"))).toBe(true);
    const heavy = modules.filter(
      (m) =>
        GITHUB_APP_DEPS.test(m) ||
        /\/node_modules\/(zod|yaml|micromark[^/]*|mdast-[^/]+)\//.test(m) ||
        /\/src\/(engine|agents|sandbox|playbooks|runlog|config|git)\//.test(m) ||
        /\/src\/cli\/(commands|serve|worker)/.test(m),
    );
    expect(heavy).toEqual([]);
  }, 60_000);

  it("`run` loads the engine but nothing of the GitHub App (Probot, Octokit, BullMQ, ioredis)", async () => {
    const repo = path.join(work, "repo");
    await exec("git", ["init", "-q", "-b", "main", repo]);
    await exec("git", [
      "-C",
      repo,
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@x",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "i",
    ]);
    fs.writeFileSync(path.join(work, "pb.md"), "# Notes\n\n- [ ] Write a note\n");
    const { modules, stdout } = await modulesLoadedBy(
      [
        "run",
        path.join(work, "pb.md"),
        "--repo",
        repo,
        "--agent",
        "command",
        "--agent-command",
        "true",
        "--dry-run",
        "--no-sandbox",
      ],
      work,
    );
    expect(stdout).toContain("dry run: nothing was run.");
    expect(modules.some((m) => m.endsWith("/src/engine/run-playbook.ts"))).toBe(true);
    expect(
      modules.filter(
        (m) => GITHUB_APP_DEPS.test(m) || /\/src\/(github|queue|handlers|workers|http)\//.test(m),
      ),
    ).toEqual([]);
  }, 60_000);
});
