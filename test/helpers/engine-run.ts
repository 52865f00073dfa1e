// Runs the real engine on a real temp repo with a real `command` agent (a shell script), for engine tests.
import fs from "node:fs";
import path from "node:path";
import { runPlaybook } from "../../src/engine/run-playbook.js";
import type { RunPlaybookOptions, RunResult } from "../../src/engine/types.js";
import { parsePlaybook } from "../../src/playbooks/parse.js";
import { parseRunLog } from "../../src/runlog/read.js";
import type { RunEvent } from "../../src/runlog/events.js";
import { RunLogWriter } from "../../src/runlog/writer.js";
import { createRedactor } from "../../src/security/redact.js";
import { makeTempDir, makeTempRepo, type TempRepo } from "./git-repo.js";

export interface EngineFixture {
  repo: TempRepo;
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function engineFixture(files?: Record<string, string>): Promise<EngineFixture> {
  const repo = await makeTempRepo(files);
  const dataDir = await makeTempDir("maestro-data-");
  return {
    repo,
    dataDir,
    cleanup: async () => {
      await repo.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface EngineRun {
  result: RunResult;
  events: RunEvent[];
  logPath: string;
  logText: string;
}

export async function runEngine(
  fx: EngineFixture,
  playbookSource: string,
  overrides: Partial<RunPlaybookOptions> & {
    runId?: string;
    /** Values the run log redacts (the engine's own `secrets` option is passed through). */
    logSecrets?: string[];
    onEvent?: (e: RunEvent) => void;
  } = {},
): Promise<EngineRun> {
  const runId = overrides.runId ?? `r${Math.random().toString(16).slice(2, 14).padEnd(12, "0")}`;
  const logPath = path.join(fx.dataDir, "runs", `${runId}.jsonl`);
  const { logSecrets, onEvent, ...rest } = overrides;
  const log = RunLogWriter.open({
    path: logPath,
    runId,
    redact: createRedactor(logSecrets ?? []),
    ...(onEvent ? { onEvent } : {}),
  });
  const result = await runPlaybook({
    runId,
    repoDir: fx.repo.dir,
    worktreesDir: path.join(fx.dataDir, "worktrees"),
    playbook: parsePlaybook(playbookSource, { name: "test-playbook" }),
    baseRef: "main",
    branch: `maestro/local-test-${runId.slice(1, 9)}`,
    agent: "command",
    verify: [],
    limits: { taskTimeoutMs: 60_000, runTimeoutMs: 120_000 },
    onTaskFailure: "stop",
    protectedPaths: [".github/workflows/**"],
    trigger: { kind: "cli", actor: "tester" },
    repoLabel: fx.repo.dir,
    author: { name: "Maestro", email: "maestro@example.com" },
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8" },
    log,
    ...rest,
  });
  log.close();
  const logText = fs.readFileSync(logPath, "utf8");
  const parsed = parseRunLog(logText);
  if (parsed.problems.length > 0) throw new Error(`run log has problems: ${JSON.stringify(parsed.problems)}`);
  return { result, events: parsed.events, logPath, logText };
}

/** Commits on `branch` since main: subject and trailers, oldest first. */
export async function branchCommits(
  repo: TempRepo,
  branch: string,
): Promise<Array<{ sha: string; subject: string; task: string; run: string }>> {
  const out = await repo.git(
    "log",
    "--reverse",
    "--format=%H%x00%s%x00%(trailers:key=Maestro-Task,valueonly)%x00%(trailers:key=Maestro-Run,valueonly)%x1e",
    `main..${branch}`,
  );
  return out
    .split("\x1e")
    .map((r) => r.replace(/^\n+/, ""))
    .filter(Boolean)
    .map((r) => {
      const [sha = "", subject = "", task = "", run = ""] = r.split("\0");
      return { sha, subject, task: task.trim(), run: run.trim() };
    });
}

export function ofType<T extends RunEvent["type"]>(
  events: RunEvent[],
  type: T,
): Array<Extract<RunEvent, { type: T }>> {
  return events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
}

export const THREE_TASKS = `# Three tasks
Write files as asked.

- [ ] Create file one
- [ ] Create file two
- [ ] Create file three
`;

/** A command agent that writes task-<index>.txt: a real, different edit per task. */
export const WRITE_TASK_FILE = `echo "working on task $MAESTRO_TASK_INDEX"; echo "task $MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"`;
