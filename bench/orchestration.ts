// Orchestration cost per task and per run: the engine with an agent that does nothing (`true`), so what
// is measured is everything but the agent (worktree, prompt, spawn, git add/commit, run log).
// Target (TARGETS.md): ≤ 40 ms per task + ≤ 300 ms per run, linear in task count.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runPlaybook } from "../src/engine/run-playbook.js";
import { parsePlaybook } from "../src/playbooks/parse.js";
import { RunLogWriter } from "../src/runlog/writer.js";

function makeRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" } });
  git("init", "-q", "-b", "main");
  git("config", "user.name", "Bench");
  git("config", "user.email", "bench@example.com");
  // A small but real tree: 200 files.
  for (let i = 0; i < 200; i++) {
    fs.mkdirSync(path.join(dir, `pkg${i % 10}`), { recursive: true });
    fs.writeFileSync(
      path.join(dir, `pkg${i % 10}`, `file${i}.ts`),
      `export const v${i} = ${i};\n`.repeat(20),
    );
  }
  git("add", "-A");
  git("commit", "-q", "-m", "init");
  return dir;
}

async function once(tasks: number, agentCommand: string): Promise<number> {
  const repo = makeRepo();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-data-"));
  const runId = `rbench${Math.random().toString(16).slice(2, 10)}`;
  const source = Array.from({ length: tasks }, (_, i) => `- [ ] Task number ${i}`).join("\n") + "\n";
  const log = RunLogWriter.open({ path: path.join(data, "runs", `${runId}.jsonl`), runId });
  const t0 = performance.now();
  const r = await runPlaybook({
    runId,
    repoDir: repo,
    worktreesDir: path.join(data, "worktrees"),
    playbook: parsePlaybook(source, { name: "bench" }),
    baseRef: "main",
    branch: `maestro/bench-${runId}`,
    agent: "command",
    agentCommand,
    verify: [],
    limits: { taskTimeoutMs: 60_000, runTimeoutMs: 600_000 },
    onTaskFailure: "stop",
    protectedPaths: [".github/workflows/**"],
    trigger: { kind: "bench", actor: "bench" },
    repoLabel: repo,
    author: { name: "Maestro", email: "maestro@example.com" },
    env: process.env,
    log,
  });
  const ms = performance.now() - t0;
  log.close();
  if (r.status !== "succeeded") throw new Error(`bench run ${r.status}: ${r.error ?? ""}`);
  fs.rmSync(repo, { recursive: true, force: true });
  fs.rmSync(data, { recursive: true, force: true });
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Least squares fit ms = a + b * tasks. */
function fit(points: Array<[number, number]>): { perRun: number; perTask: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const b =
    points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) /
    points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return { perRun: my - b * mx, perTask: b };
}

export async function benchOrchestration(repeats = 5): Promise<string> {
  // The agent writes one file so every task makes a real commit.
  const agent = `echo "$MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"`;
  const sizes = [1, 5, 10, 20];
  const rows: Array<[number, number]> = [];
  const agentOnly: number[] = [];
  for (let i = 0; i < repeats * 4; i++) {
    const t0 = performance.now();
    execFileSync("sh", ["-c", agent], {
      cwd: os.tmpdir(),
      env: { MAESTRO_TASK_INDEX: "0", PATH: process.env.PATH ?? "" },
    });
    agentOnly.push(performance.now() - t0);
  }
  await once(2, agent); // warm-up
  for (const n of sizes) {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(await once(n, agent));
    rows.push([n, median(times)]);
  }
  const { perRun, perTask } = fit(rows);
  const lines = [
    "| tasks | median wall (ms) |",
    "| ---: | ---: |",
    ...rows.map(([n, ms]) => `| ${n} | ${ms.toFixed(0)} |`),
    "",
    `Fit: **${perTask.toFixed(1)} ms per task + ${perRun.toFixed(0)} ms per run** (target ≤ 40 ms per task + ≤ 300 ms per run).`,
    `The agent itself (\`sh -c\` writing one file, spawned alone): median ${median(agentOnly).toFixed(1)} ms, included in the per-task figure.`,
  ];
  return lines.join("\n");
}
