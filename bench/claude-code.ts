// The same 3-task playbook, the real Claude Code CLI, a local fake Messages API: wall time of a whole
// Maestro run (worktree, 3 fresh sessions, 3 commits) against the time of one bare Claude Code call.
// Target (TARGETS.md): wall ≤ 0.6 × maestro-cli's default run (10.9 s there) → ≤ 6.5 s.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runPlaybook } from "../src/engine/run-playbook.js";
import { parsePlaybook } from "../src/playbooks/parse.js";
import { RunLogWriter } from "../src/runlog/writer.js";
import { startFakeAnthropic, type RecordedRequest } from "../test/helpers/fake-anthropic.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const CLAUDE = path.join(ROOT, "node_modules/.bin/claude");
const PLAYBOOK =
  "# Notes\n\n- [ ] Write the first notes file\n- [ ] Write the second notes file\n- [ ] Write the third notes file\n";

function script(worktree: string) {
  let session = -1;
  return (req: RecordedRequest) => {
    const last = JSON.stringify((req.body?.messages ?? []).at(-1)?.content ?? "");
    if (last.includes("tool_result")) return { text: "Done." };
    session += 1;
    return {
      text: "Writing.",
      toolUses: [
        { name: "Write", input: { file_path: path.join(worktree, `n${session}.txt`), content: "x\n" } },
      ],
    };
  };
}

function env(home: string, url: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: "fake",
    CLAUDE_CODE_MAX_RETRIES: "0",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CONFIG_DIR: path.join(home, ".claude"),
  };
}

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function maestroRun(): Promise<number> {
  const repo = tmp("maestro-bench-cc-");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  execFileSync("git", [
    "-C",
    repo,
    "-c",
    "user.name=b",
    "-c",
    "user.email=b@x",
    "commit",
    "-q",
    "--allow-empty",
    "-m",
    "init",
  ]);
  const data = tmp("maestro-bench-cc-data-");
  const home = tmp("maestro-bench-cc-home-");
  const runId = `rcc${Math.random().toString(16).slice(2, 12)}`;
  const fake = await startFakeAnthropic(script(path.join(data, "worktrees", runId)));
  const log = RunLogWriter.open({ path: path.join(data, `${runId}.jsonl`), runId });
  const t0 = performance.now();
  const r = await runPlaybook({
    runId,
    repoDir: repo,
    worktreesDir: path.join(data, "worktrees"),
    playbook: parsePlaybook(PLAYBOOK, { name: "notes" }),
    baseRef: "main",
    branch: `maestro/bench-${runId}`,
    agent: "claude-code",
    agentBin: CLAUDE,
    model: "claude-sonnet-4-5-20250929",
    verify: [],
    limits: { taskTimeoutMs: 120_000, runTimeoutMs: 600_000 },
    onTaskFailure: "stop",
    protectedPaths: [],
    trigger: { kind: "bench", actor: "bench" },
    repoLabel: repo,
    author: { name: "Maestro", email: "maestro@example.com" },
    env: env(home, fake.url),
    log,
  });
  const ms = performance.now() - t0;
  log.close();
  await fake.close();
  if (r.status !== "succeeded")
    throw new Error(`bench run ${r.status}: ${r.error ?? JSON.stringify(r.tasks)}`);
  for (const d of [repo, data, home]) fs.rmSync(d, { recursive: true, force: true });
  return ms;
}

async function bareCall(): Promise<number> {
  const dir = tmp("maestro-bench-cc-bare-");
  const home = tmp("maestro-bench-cc-home-");
  const fake = await startFakeAnthropic([{ text: "ok" }]);
  const t0 = performance.now();
  // Async: the fake API lives in this process, so a blocking spawn would starve it.
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      CLAUDE,
      ["-p", "--output-format", "stream-json", "--verbose"],
      { cwd: dir, env: env(home, fake.url) },
      (err, _out, stderr) =>
        err ? reject(new Error(`bare claude call failed: ${stderr || err.message}`)) : resolve(),
    );
    child.stdin!.end("say ok");
  });
  const ms = performance.now() - t0;
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchClaudeCode(repeats = 5): Promise<string> {
  await bareCall(); // warm the binary's page cache
  const bare: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    bare.push(await bareCall());
    runs.push(await maestroRun());
  }
  const wall = median(runs);
  const one = median(bare);
  return [
    "| what | median (ms) |",
    "| --- | ---: |",
    `| one bare Claude Code call (1 request) | ${one.toFixed(0)} |`,
    `| Maestro run, 3 tasks (6 requests), worktree + 3 commits | ${wall.toFixed(0)} |`,
    "",
    `Maestro's 3-task run = **${(wall / one).toFixed(2)}× one bare call**; against the anchor maestro-cli run of 10.9 s ` +
      `(7.6× its 1.44 s bare call) that is **${(wall / one / (10900 / 1440)).toFixed(2)}×** when both are scaled by ` +
      `the bare call measured on the same machine (target ≤ 0.6×).`,
  ].join("\n");
}
