// One engine run for the benchmarks: a real repo in a temp dir, a `command` agent, optionally a push
// per task to a local bare remote (what the worker's onTaskCommitted does), the real JSONL run log.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runPlaybook } from "../../src/engine/run-playbook.js";
import { pushBranch } from "../../src/git/mirror.js";
import { parsePlaybook } from "../../src/playbooks/parse.js";
import { RunLogWriter } from "../../src/runlog/writer.js";
import type { SandboxSetup } from "../../src/sandbox/run-sandbox.js";
import { benchSandboxSetup } from "./sandbox-setup.js";

export interface BenchRepo {
  dir: string;
  /** A bare repo the run pushes to (stands for GitHub's copy). */
  remote: string;
  cleanup(): void;
}

const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

/** A small but real repo: 200 files in 10 packages, one commit, and a bare remote holding main. */
export function makeRepo(files = 200): BenchRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-"));
  const remote = `${dir}-remote.git`;
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: GIT_ENV });
  git("init", "-q", "-b", "main");
  git("config", "user.name", "Bench");
  git("config", "user.email", "bench@example.com");
  for (let i = 0; i < files; i++) {
    fs.mkdirSync(path.join(dir, `pkg${i % 10}`), { recursive: true });
    fs.writeFileSync(
      path.join(dir, `pkg${i % 10}`, `file${i}.ts`),
      `export const v${i} = ${i};\n`.repeat(20),
    );
  }
  git("add", "-A");
  git("commit", "-q", "-m", "init");
  execFileSync("git", ["init", "-q", "--bare", remote], { env: GIT_ENV });
  git("push", "-q", remote, "main");
  return {
    dir,
    remote,
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(remote, { recursive: true, force: true });
    },
  };
}

export function playbookSource(tasks: number): string {
  return (
    "# Bench\n\nEach task writes one file.\n\n" +
    Array.from({ length: tasks }, (_, i) => `- [ ] Task number ${i}`).join("\n") +
    "\n"
  );
}

/** The agent writes one file so every task makes a real commit. */
export const WRITE_ONE_FILE = `echo "$MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"`;

export interface EngineRunOptions {
  tasks: number;
  agentCommand?: string;
  /** Push the branch to the bare remote after each commit (the worker's checkpoint). */
  push?: boolean;
  /** Each run-log write: the event type, when it started (performance.now()) and how long it took. */
  onLogWrite?: (type: string, at: number, ms: number) => void;
  /** Run the agent sessions in this sandbox (default: on the host, or BENCH_SANDBOX=1). */
  sandbox?: SandboxSetup;
}

export interface EngineRunResult {
  wallMs: number;
  runLogBytes: number;
}

/** Wall time of runPlaybook (worktree add … worktree remove) on a fresh repo. */
export async function engineRun(opts: EngineRunOptions): Promise<EngineRunResult> {
  const repo = makeRepo();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-data-"));
  const runId = `rbench${Math.random().toString(16).slice(2, 10)}`;
  const logPath = path.join(data, "runs", `${runId}.jsonl`);
  const log = RunLogWriter.open({ path: logPath, runId });
  if (opts.onLogWrite) {
    const write = log.write.bind(log);
    const report = opts.onLogWrite;
    log.write = ((e: Parameters<typeof write>[0]) => {
      const t0 = performance.now();
      const r = write(e);
      report(e.type, t0, performance.now() - t0);
      return r;
    }) as typeof log.write;
  }
  const branch = `maestro/bench-${runId}`;
  const sandbox = opts.sandbox ?? (await benchSandboxSetup());
  try {
    const t0 = performance.now();
    const r = await runPlaybook({
      runId,
      repoDir: repo.dir,
      worktreesDir: path.join(data, "worktrees"),
      playbook: parsePlaybook(playbookSource(opts.tasks), { name: "bench" }),
      baseRef: "main",
      branch,
      agent: "command",
      agentCommand: opts.agentCommand ?? WRITE_ONE_FILE,
      verify: [],
      limits: { taskTimeoutMs: 120_000, runTimeoutMs: 3_600_000 },
      onTaskFailure: "stop",
      protectedPaths: [".github/workflows/**"],
      trigger: { kind: "bench", actor: "bench" },
      repoLabel: "bench/repo",
      author: { name: "Maestro", email: "maestro@example.com" },
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), LANG: "C.UTF-8" },
      log,
      ...(sandbox ? { sandbox } : {}),
      ...(opts.push
        ? {
            onTaskCommitted: (c: { branch: string }) =>
              pushBranch({ repoDir: repo.dir, branch: c.branch, remoteUrl: repo.remote }),
          }
        : {}),
    });
    const wallMs = performance.now() - t0;
    log.close();
    if (r.status !== "succeeded") throw new Error(`bench run ${r.status}: ${r.error ?? ""}`);
    return { wallMs, runLogBytes: fs.statSync(logPath).size };
  } finally {
    repo.cleanup();
    fs.rmSync(data, { recursive: true, force: true });
  }
}
