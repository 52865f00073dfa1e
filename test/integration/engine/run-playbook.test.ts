import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { runEventSchema } from "../../../src/runlog/events.js";
import {
  branchCommits,
  engineFixture,
  ofType,
  runEngine,
  THREE_TASKS,
  WRITE_TASK_FILE,
  type EngineFixture,
} from "../../helpers/engine-run.js";

let fx: EngineFixture;
beforeEach(async () => {
  fx = await engineFixture({ "README.md": "# sample\n" });
});
afterEach(async () => {
  await fx.cleanup();
});

/** Alive = exists and is not a zombie (a killed orphan may wait for a reaper that containers lack). */
function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("runPlaybook", () => {
  it("runs 3 tasks as 3 commits with trailers on a new branch, leaving the checkout untouched and removing the worktree", async () => {
    const headBefore = await fx.repo.git("rev-parse", "HEAD");
    const { result, events } = await runEngine(fx, THREE_TASKS, { agentCommand: WRITE_TASK_FILE });

    expect(result.status).toBe("succeeded");
    expect(result.tasksDone).toBe(3);
    const commits = await branchCommits(fx.repo, result.branch);
    expect(commits.map((c) => c.task)).toEqual(["0", "1", "2"]);
    expect(new Set(commits.map((c) => c.run))).toEqual(new Set([result.runId]));
    expect(commits[0]!.subject).toBe("Create file one");
    expect(await fx.repo.git("show", `${result.branch}:task-2.txt`)).toBe("task 2");

    // The user's checkout: same HEAD, same branch, clean.
    expect(await fx.repo.git("rev-parse", "HEAD")).toBe(headBefore);
    expect(await fx.repo.git("branch", "--show-current")).toBe("main");
    expect(await fx.repo.git("status", "--porcelain")).toBe("");
    expect(fs.existsSync(path.join(fx.repo.dir, "task-0.txt"))).toBe(false);
    // The worktree is gone and unregistered.
    expect(fs.existsSync(result.worktreePath)).toBe(false);
    expect((await fx.repo.git("worktree", "list", "--porcelain")).match(/^worktree /gm)).toHaveLength(1);

    // The log: every line valid, seq 0..n, the documented order.
    events.forEach((e, i) => {
      expect(runEventSchema.safeParse(e).success).toBe(true);
      expect(e.seq).toBe(i);
    });
    expect(events[0]!.type).toBe("run.started");
    expect(events.at(-1)).toMatchObject({
      type: "run.finished",
      status: "succeeded",
      tasksDone: 3,
      tasksTotal: 3,
    });
    expect(ofType(events, "task.committed").map((e) => e.index)).toEqual([0, 1, 2]);
    expect(ofType(events, "agent.message").some((m) => m.text === "working on task 1")).toBe(true);
  });

  it("skips ticked tasks and keeps the Maestro-Task index of the playbook position", async () => {
    const pb = "- [x] Done before\n- [ ] Create file one\n- [X] Also done\n- [ ] Create file three\n";
    const { result } = await runEngine(fx, pb, { agentCommand: WRITE_TASK_FILE });
    expect(result.status).toBe("succeeded");
    expect((await branchCommits(fx.repo, result.branch)).map((c) => c.task)).toEqual(["1", "3"]);
  });

  it("records a task that changes nothing as an empty checkpoint commit", async () => {
    const { result } = await runEngine(fx, "- [ ] Look around\n", { agentCommand: "echo nothing to change" });
    expect(result.status).toBe("succeeded");
    const commits = await branchCommits(fx.repo, result.branch);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.task).toBe("0");
    expect(await fx.repo.git("diff", "--name-only", `${commits[0]!.sha}^`, commits[0]!.sha)).toBe("");
  });

  it("a crashing agent fails its task and the run; earlier commits and the log stay", async () => {
    const agent = `if [ "$MAESTRO_TASK_INDEX" = 1 ]; then echo "segfault-ish" >&2; exit 3; fi; ${WRITE_TASK_FILE}`;
    const { result, events } = await runEngine(fx, THREE_TASKS, { agentCommand: agent });
    expect(result.status).toBe("failed");
    expect(ofType(events, "task.finished").map((e) => [e.index, e.status])).toEqual([
      [0, "done"],
      [1, "failed"],
    ]);
    expect(ofType(events, "task.finished")[1]!.error).toMatch(/segfault-ish|exit/);
    expect((await branchCommits(fx.repo, result.branch)).map((c) => c.task)).toEqual(["0"]);
    expect(events.at(-1)).toMatchObject({
      type: "run.finished",
      status: "failed",
      tasksDone: 1,
      tasksTotal: 3,
    });
  });

  it("onTaskFailure continue runs the next task from a clean tree", async () => {
    const agent = `if [ "$MAESTRO_TASK_INDEX" = 1 ]; then echo junk > junk.txt; exit 1; fi; ${WRITE_TASK_FILE}`;
    const { result } = await runEngine(fx, THREE_TASKS, { agentCommand: agent, onTaskFailure: "continue" });
    expect(result.status).toBe("failed");
    expect(result.tasks.map((t) => t.status)).toEqual(["done", "failed", "done"]);
    const commits = await branchCommits(fx.repo, result.branch);
    expect(commits.map((c) => c.task)).toEqual(["0", "2"]);
    // junk.txt of the failed task never reached a commit.
    expect(await fx.repo.git("ls-tree", "--name-only", result.branch)).not.toContain("junk.txt");
  });

  it("a task timeout kills the agent's process group and ends with timeout statuses", async () => {
    const pidFile = path.join(fx.dataDir, "agent.pid");
    const agent = `sleep 30 & echo $! > '${pidFile}'; wait`;
    const { result, events } = await runEngine(fx, THREE_TASKS, {
      agentCommand: agent,
      limits: { taskTimeoutMs: 1500, runTimeoutMs: 60_000 },
    });
    expect(ofType(events, "task.finished")).toEqual([
      expect.objectContaining({ index: 0, status: "timeout" }),
    ]);
    expect(result.status).toBe("timeout");
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "timeout" });
    const sleeper = Number(fs.readFileSync(pidFile, "utf8"));
    expect(pidAlive(sleeper)).toBe(false);
  });

  it("the run timeout stops the agent mid-task and ends the run with timeout, keeping earlier commits", async () => {
    const agent = `if [ "$MAESTRO_TASK_INDEX" = 1 ]; then sleep 60; fi; ${WRITE_TASK_FILE}`;
    const { result, events } = await runEngine(fx, THREE_TASKS, {
      agentCommand: agent,
      limits: { taskTimeoutMs: 60_000, runTimeoutMs: 4000 },
    });
    expect(result.status).toBe("timeout");
    expect(ofType(events, "task.finished").map((e) => [e.index, e.status])).toEqual([
      [0, "done"],
      [1, "timeout"],
    ]);
    expect(ofType(events, "task.finished")[1]!.error).toMatch(/run timeout/);
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "timeout", tasksDone: 1 });
    expect((await branchCommits(fx.repo, result.branch)).map((c) => c.task)).toEqual(["0"]);
  });

  it("cancel stops the running agent, keeps the first commit and ends cancelled", async () => {
    const controller = new AbortController();
    const pidFile = path.join(fx.dataDir, "agent.pid");
    const agent = `if [ "$MAESTRO_TASK_INDEX" = 1 ]; then sleep 60 & echo $! > '${pidFile}'; wait; fi; ${WRITE_TASK_FILE}`;
    const started = Date.now();
    const { result, events } = await runEngine(fx, THREE_TASKS, {
      agentCommand: agent,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "task.started" && e.index === 1) setTimeout(() => controller.abort(), 300);
      },
    });
    expect(Date.now() - started).toBeLessThan(30_000); // far below the agent's 60 s sleep
    expect(result.status).toBe("cancelled");
    expect(ofType(events, "task.finished").map((e) => e.status)).toEqual(["done", "cancelled"]);
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "cancelled", tasksDone: 1 });
    expect((await branchCommits(fx.repo, result.branch)).map((c) => c.task)).toEqual(["0"]);
    expect(pidAlive(Number(fs.readFileSync(pidFile, "utf8")))).toBe(false);
  });

  it("crossing the cost cap stops the agent mid-task with budget_exceeded", async () => {
    // Each "turn" costs $0.40; the cap of $1 is crossed on the third turn of task 0, long before its end.
    const agent = `for i in 1 2 3 4 5 6 7 8 9 10; do echo '{"type":"usage","inputTokens":1000,"outputTokens":100,"costUsd":0.4}'; sleep 0.3; done; ${WRITE_TASK_FILE}`;
    const { result, events } = await runEngine(fx, THREE_TASKS, {
      agentCommand: agent,
      limits: { maxCostUsd: 1, taskTimeoutMs: 60_000, runTimeoutMs: 60_000 },
    });
    expect(result.status).toBe("budget_exceeded");
    const finished = ofType(events, "task.finished");
    expect(finished).toHaveLength(1);
    expect(finished[0]!.status).toBe("cancelled");
    expect(finished[0]!.error).toMatch(/cost cap/);
    // Overshoot at most one turn: stopped at $1.20, not $4.
    expect(result.costUsd).toBeGreaterThanOrEqual(1);
    expect(result.costUsd).toBeLessThanOrEqual(1.2 + 1e-9);
    expect(await branchCommits(fx.repo, result.branch)).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "budget_exceeded" });
  });

  it("resumes a branch: committed tasks are skipped, no task is committed twice", async () => {
    const failing = `if [ "$MAESTRO_TASK_INDEX" = 2 ]; then exit 1; fi; ${WRITE_TASK_FILE}`;
    const first = await runEngine(fx, THREE_TASKS, { agentCommand: failing });
    expect(first.result.status).toBe("failed");
    const countFile = path.join(fx.dataDir, "calls.txt");
    const counting = `echo "$MAESTRO_TASK_INDEX" >> '${countFile}'; ${WRITE_TASK_FILE}`;
    const second = await runEngine(fx, THREE_TASKS, { agentCommand: counting, branch: first.result.branch });
    expect(second.result.status).toBe("succeeded");
    expect(fs.readFileSync(countFile, "utf8").trim().split("\n")).toEqual(["2"]);
    expect(ofType(second.events, "task.finished").map((e) => [e.index, e.status])).toEqual([
      [0, "skipped"],
      [1, "skipped"],
      [2, "done"],
    ]);
    expect((await branchCommits(fx.repo, first.result.branch)).map((c) => c.task)).toEqual(["0", "1", "2"]);
  });

  it("verify failure gives the agent one more session with the output, then passes", async () => {
    const agent = `if grep -q "Verification failed" "$MAESTRO_PROMPT_FILE"; then touch fixed.txt; else echo first > first.txt; fi`;
    const { result, events } = await runEngine(fx, "- [ ] Make verify pass\n", {
      agentCommand: agent,
      verify: ["test -f fixed.txt || { echo 'fixed.txt is missing' >&2; exit 4; }"],
    });
    expect(result.status).toBe("succeeded");
    const verifies = ofType(events, "task.verify");
    expect(verifies.map((v) => v.exitCode)).toEqual([4, 0]);
    expect(verifies[0]!.outputTail).toContain("fixed.txt is missing");
    const files = await fx.repo.git("ls-tree", "--name-only", result.branch);
    expect(files).toContain("fixed.txt");
    expect(files).toContain("first.txt");
  });

  it("verify that keeps failing fails the task after the retry session, committing nothing", async () => {
    const { result, events } = await runEngine(fx, "- [ ] Try\n- [ ] Never reached\n", {
      agentCommand: WRITE_TASK_FILE,
      verify: ["echo broken; exit 1"],
    });
    expect(result.status).toBe("failed");
    expect(ofType(events, "task.verify")).toHaveLength(2);
    expect(ofType(events, "task.finished")[0]).toMatchObject({ status: "failed" });
    expect(ofType(events, "task.finished")[0]!.error).toMatch(/verify command .*echo broken/);
    expect(await branchCommits(fx.repo, result.branch)).toEqual([]);
  });

  it("a task that touches a protected path fails and commits nothing", async () => {
    const agent = `mkdir -p .github/workflows && echo 'on: push' > .github/workflows/ci.yml`;
    const { result, events } = await runEngine(fx, "- [ ] Sneaky\n", { agentCommand: agent });
    expect(result.status).toBe("failed");
    expect(ofType(events, "task.finished")[0]!.error).toMatch(
      /protected paths: \.github\/workflows\/ci\.yml/,
    );
    expect(await branchCommits(fx.repo, result.branch)).toEqual([]);
  });

  it("a protected path the agent staged itself also fails the task, and the run leaves no commit helper running", async () => {
    const agent =
      `mkdir -p .github/workflows && echo 'on: push' > .github/workflows/ci.yml && ` +
      `git add .github/workflows/ci.yml && echo ok > ok.txt`;
    const { result, events } = await runEngine(fx, "- [ ] Sneaky\n", { agentCommand: agent });
    expect(ofType(events, "task.finished")[0]!.error).toMatch(
      /protected paths: \.github\/workflows\/ci\.yml\./,
    );
    expect(await branchCommits(fx.repo, result.branch)).toEqual([]);
    const ours = fs
      .readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
          const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
          return (
            ppid === process.pid && fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes("maestro-commit")
          );
        } catch {
          return false;
        }
      });
    expect(ours.filter((p) => pidAlive(Number(p)))).toEqual([]);
  });

  it("never writes a secret from the agent's output into the run log", async () => {
    const secret = "s3cr3t-value-planted-by-test";
    const ghToken = "ghs_" + "A".repeat(36);
    const agent = `echo "token is ${secret}"; echo "found ${ghToken} in env"; ${WRITE_TASK_FILE}`;
    const { logText, result } = await runEngine(fx, "- [ ] Leak\n", {
      agentCommand: agent,
      logSecrets: [secret],
    });
    expect(result.status).toBe("succeeded");
    expect(logText).not.toContain(secret);
    expect(logText).not.toContain(ghToken);
    expect(logText).toContain("[REDACTED]");
  });

  it("never hands the agent secrets from the environment", async () => {
    const agent = `env > env-seen.txt`;
    const { result } = await runEngine(fx, "- [ ] Look at env\n", {
      agentCommand: agent,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: "/tmp",
        GITHUB_TOKEN: "ghs_should_not_leak_0123456789",
        PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
        WEBHOOK_SECRET: "whsec",
        REDIS_URL: "redis://secret@host",
      },
    });
    expect(result.status).toBe("succeeded");
    const seen = await fx.repo.git("show", `${result.branch}:env-seen.txt`);
    expect(seen).not.toMatch(/GITHUB_TOKEN|PRIVATE_KEY|WEBHOOK_SECRET|REDIS_URL/);
    expect(seen).toMatch(/^MAESTRO_TASK_INDEX=0$/m);
  });

  it("refuses to start when the base ref does not exist, still writing run.finished", async () => {
    const { result, events } = await runEngine(fx, THREE_TASKS, {
      agentCommand: WRITE_TASK_FILE,
      baseRef: "no-such-branch",
    });
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(/no-such-branch/);
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "failed" });
  });
});

describe("runPlaybook onTaskCommitted", () => {
  it("is awaited after every commit, and a throw stops the run with the commit kept", async () => {
    const seen: Array<[number, string]> = [];
    const { result, events } = await runEngine(fx, THREE_TASKS, {
      agentCommand: WRITE_TASK_FILE,
      onTaskCommitted: async ({ index, sha }) => {
        seen.push([index, sha]);
        if (index === 1) throw new Error("push rejected");
      },
    });
    expect(seen.map(([i]) => i)).toEqual([0, 1]);
    expect(result.status).toBe("failed");
    expect(ofType(events, "task.finished")[1]).toMatchObject({ status: "failed" });
    expect(ofType(events, "task.finished")[1]!.error).toMatch(/push rejected/);
    const commits = await branchCommits(fx.repo, result.branch);
    expect(commits.map((c) => c.sha)).toEqual(seen.map(([, sha]) => sha));
  });
});
