// `maestro run` as a user runs it: a real child process on a real sample repo with the demo agent.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { makeTempDir, gitIn } from "../helpers/git-repo.js";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "src/cli/bin.ts");
const TSX = path.join(ROOT, "node_modules/tsx/dist/loader.mjs");
const DEMO = path.join(ROOT, "examples/playbooks/demo.md");
const AGENT = `node '${path.join(ROOT, "examples/demo-agent.mjs")}'`;

let work: string;
let repo: string;
beforeEach(async () => {
  work = await makeTempDir("maestro-cli-");
  repo = path.join(work, "textkit");
  await exec("bash", [path.join(ROOT, "examples/make-sample-repo.sh"), repo]);
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: "C.UTF-8",
    MAESTRO_DATA_DIR: path.join(work, "data"),
    // The demo agent lives in examples/: the sandbox may read it (as examples/demo.sh allows).
    MAESTRO_SANDBOX_READ_PATHS: path.join(ROOT, "examples"),
    ...extra,
  };
}

function maestro(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", TSX, BIN, ...args],
      { cwd: work, env: cliEnv(extra) },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}

/** `maestro run` of the demo playbook on the sample repo with the demo agent, plus extra flags. */
function demoArgs(...extra: string[]): string[] {
  return ["run", DEMO, "--repo", repo, "--agent", "command", "--agent-command", AGENT, ...extra];
}

function runDemo(...extra: string[]) {
  return maestro(demoArgs(...extra));
}

async function taskTrailers(branch: string): Promise<string[]> {
  const out = await gitIn(
    repo,
    "log",
    "--reverse",
    "--format=%(trailers:key=Maestro-Task,valueonly)",
    `main..${branch}`,
  );
  return out
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
}

describe("maestro run (CLI)", () => {
  it("--format jsonl streams run-log events that all validate against schemas/run-log.schema.json", async () => {
    const r = await runDemo("--format", "jsonl");
    expect(r.stderr).toContain("succeeded");
    expect(r.code).toBe(0);
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas/run-log.schema.json"), "utf8"));
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines) {
      const ok = validate(JSON.parse(line));
      if (!ok) throw new Error(`${line}\n${JSON.stringify(validate.errors)}`);
    }
    const types = lines.map((l) => JSON.parse(l).type as string);
    expect(types[0]).toBe("run.started");
    expect(types.at(-1)).toBe("run.finished");
    expect(types.filter((t) => t === "task.committed")).toHaveLength(3);
    const branch = JSON.parse(lines[0]!).branch as string;
    expect(await taskTrailers(branch)).toEqual(["0", "1", "2"]);
    // The demo's verify (node --test) ran against the agent's real edits.
    expect(types.filter((t) => t === "task.verify")).toHaveLength(3);
    expect(await gitIn(repo, "status", "--porcelain")).toBe("");
  });

  it("prints plain progress lines when stdout is not a TTY, and the run log renders with `maestro logs`", async () => {
    const r = await runDemo();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/task 1\/3 started: Make `slugify` lowercase/);
    expect(r.stdout).toMatch(/✓ task 3\/3 done/);
    expect(r.stdout).not.toContain("\x1b[");
    const logPath = /run log: (.+\.jsonl)/.exec(r.stdout)![1]!;
    const logs = await maestro(["logs", logPath]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/succeeded/);
    expect(logs.stdout).toMatch(/lowercase its output/);
  });

  it("kill -9 after task 2, then a re-run on the branch resumes at task 3 with no duplicate commit", async () => {
    const child = spawn(process.execPath, ["--import", TSX, BIN, ...demoArgs("--format", "jsonl")], {
      cwd: work,
      env: cliEnv({ MAESTRO_AGENT_DEMO_DELAY_MS: "1500" }),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let branch = "";
    let buffer = "";
    const killed = new Promise<void>((resolve) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const event = JSON.parse(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          if (event.type === "run.started") branch = event.branch;
          if (event.type === "task.committed" && event.index === 1) {
            process.kill(-child.pid!, "SIGKILL"); // the CLI and its agent, like a crashed machine
          }
        }
      });
      child.on("exit", () => resolve());
    });
    await killed;
    expect(branch).not.toBe("");
    expect(await taskTrailers(branch)).toEqual(["0", "1"]);

    const again = await runDemo("--branch", branch);
    expect(again.stdout).toMatch(/skipped: already committed/);
    expect(again.code).toBe(0);
    expect(await taskTrailers(branch)).toEqual(["0", "1", "2"]);
    expect((await gitIn(repo, "worktree", "list", "--porcelain")).match(/^worktree /gm)).toHaveLength(1);
  }, 90_000);

  it("exit code 2 with a clear message for bad input", async () => {
    const notRepo = await maestro([
      "run",
      DEMO,
      "--repo",
      work,
      "--agent",
      "command",
      "--agent-command",
      "true",
    ]);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toMatch(/not inside a git repository/);

    const unknown = await maestro(["run", "no-such-playbook", "--repo", repo]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/fix-issue/); // lists what is available

    const badAgent = await maestro(["run", DEMO, "--repo", repo, "--agent", "gpt"]);
    expect(badAgent.code).toBe(2);
    expect(badAgent.stderr).toMatch(/--agent must be one of/);

    const noCmd = await maestro(["run", DEMO, "--repo", repo, "--agent", "command"]);
    expect(noCmd.code).toBe(2);
    expect(noCmd.stderr).toMatch(/--agent-command/);

    const badCost = await maestro(["run", DEMO, "--repo", repo, "--max-cost", "lots"]);
    expect(badCost.code).toBe(2);
  });

  it("exit code 1 when a task fails, with a resume hint", async () => {
    const r = await maestro(["run", DEMO, "--repo", repo, "--agent", "command", "--agent-command", "exit 7"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ task 1\/3 failed/);
    expect(r.stdout).toMatch(/resume: maestro run .* --branch maestro\//);
  });

  it("says whether the sandbox is on; --no-sandbox runs on the host; MAESTRO_SANDBOX=on without bwrap is exit 3", async () => {
    const on = await runDemo();
    expect(on.stderr).toMatch(/^sandbox: on \(bubblewrap/m);
    const off = await runDemo("--no-sandbox");
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/^sandbox: off \(--no-sandbox\)/m);
    // A PATH with node and git but no bwrap: auto runs without it and says so; "on" refuses.
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    for (const tool of ["node", "git", "sh"])
      fs.symlinkSync(path.join("/usr/bin", tool), path.join(bin, tool));
    const noBwrap = await maestro(demoArgs(), { PATH: bin });
    expect(noBwrap.stderr).toMatch(/sandbox: unavailable \(bubblewrap \(bwrap\) is not on PATH: install it/);
    expect(noBwrap.code).toBe(0);
    const required = await maestro(demoArgs(), { PATH: bin, MAESTRO_SANDBOX: "on" });
    expect(required.code).toBe(3);
    expect(required.stderr).toMatch(/MAESTRO_SANDBOX=on, but the sandbox cannot start: bubblewrap/);
    expect(required.stderr).toMatch(/--no-sandbox/);
  });

  it("--dry-run lists the tasks and runs nothing", async () => {
    const r = await runDemo("--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 task\(s\) to run/);
    expect(r.stdout).toMatch(/2\. Add a unit test/);
    expect(await gitIn(repo, "branch", "--list", "maestro/*")).toBe("");
  });

  it("issue 13: --dry-run says how cost is known; a codex model without a price is named with its fix", async () => {
    const unpriced = await maestro([
      "run",
      DEMO,
      "--repo",
      repo,
      "--agent",
      "codex",
      "--model",
      "acme-coder-9",
      "--dry-run",
    ]);
    expect(unpriced.code).toBe(0);
    expect(unpriced.stdout).toMatch(
      /cost unknown for model acme-coder-9: add it under `pricing`.*will not start/,
    );
    expect(unpriced.stdout).toMatch(/stall timeout 10 min/);
    const priced = await maestro([
      "run",
      DEMO,
      "--repo",
      repo,
      "--agent",
      "codex",
      "--model",
      "gpt-5-mini",
      "--stall-timeout",
      "2.5",
      "--dry-run",
    ]);
    expect(priced.stdout).toMatch(/cost: gpt-5-mini priced as gpt-5-mini/);
    expect(priced.stdout).toMatch(/stall timeout 2\.5 min/);
    const bad = await maestro(["run", DEMO, "--repo", repo, "--stall-timeout", "soon", "--dry-run"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--stall-timeout must be a positive number of minutes/);
  });

  it("validate reports a good playbook, and a bad one with its line number and exit 2", async () => {
    const good = await maestro(["validate", DEMO]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/valid playbook, 3 task/);
    const bad = path.join(work, "bad.md");
    fs.writeFileSync(bad, "---\ndescription: x\nmaxCostUsd: lots\n---\n- [ ] a\n");
    const r = await maestro(["validate", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/:3\b/);
    expect(r.stderr).toMatch(/maxCostUsd/);
    const cfg = path.join(work, "maestro.yml");
    fs.writeFileSync(cfg, "agent: claude-code\nlimits:\n  maxCostUsdPerRun: -1\n");
    const c = await maestro(["validate", cfg]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/maxCostUsdPerRun/);
  });
});
