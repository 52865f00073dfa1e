import { describe, expect, it } from "@jest/globals";
import type { RunEvent } from "../../../src/runlog/events.js";
import { formatRunLogSummary, summarizeRunLog } from "../../../src/runlog/summary.js";

const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
let seq = 0;
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
function e(fields: Record<string, unknown>, second = seq): RunEvent {
  return { v: 1, runId: "run-42", seq: seq++, ts: at(second), ...fields } as RunEvent;
}

function sample(finished: boolean): RunEvent[] {
  seq = 0;
  const events = [
    e({
      type: "run.started",
      playbook: "lint-cleanup",
      repo: "octo/repo",
      baseRef: "main",
      branch: "maestro/7-lint-cleanup-run42",
      agent: "claude-code",
      trigger: { kind: "comment", actor: "octocat" },
      tasksTotal: 3,
    }),
    e({ type: "task.started", index: 0, text: "Fix lint in src/a.ts" }),
    e({
      type: "agent.usage",
      index: 0,
      inputTokens: 100,
      outputTokens: 10,
      cacheReadTokens: 5,
      cacheWriteTokens: 1,
      costUsd: 0.01,
    }),
    e({
      type: "agent.usage",
      index: 0,
      inputTokens: 200,
      outputTokens: 20,
      cacheReadTokens: 10,
      cacheWriteTokens: 2,
      costUsd: 0.02,
    }),
    e({ type: "task.committed", index: 0, sha: SHA, filesChanged: 1 }),
    e({ type: "task.finished", index: 0, status: "done", durationMs: 1500, costUsd: 0.02 }),
    e({ type: "task.started", index: 1, text: "Fix lint in src/b.ts" }),
    e({
      type: "agent.usage",
      index: 1,
      inputTokens: 50,
      outputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.005,
    }),
    e({
      type: "task.verify",
      index: 1,
      command: "npm test",
      exitCode: 1,
      durationMs: 300,
      outputTail: "1 failing",
    }),
    e({
      type: "task.finished",
      index: 1,
      status: "failed",
      durationMs: 2500,
      costUsd: 0.005,
      error: "verify failed: npm test exited 1",
    }),
  ];
  if (finished) {
    events.push(
      e({
        type: "run.finished",
        status: "failed",
        tasksDone: 1,
        tasksTotal: 3,
        costUsd: 0.025,
        tokens: { input: 250, output: 25, cacheRead: 10, cacheWrite: 2 },
        durationMs: 4200,
        prUrl: "https://github.com/octo/repo/pull/8",
      }),
    );
  }
  return events;
}

describe("summarizeRunLog", () => {
  it("folds a finished run into its totals and per-task results", () => {
    const s = summarizeRunLog(sample(true));
    expect(s).toMatchObject({
      runId: "run-42",
      playbook: "lint-cleanup",
      repo: "octo/repo",
      branch: "maestro/7-lint-cleanup-run42",
      agent: "claude-code",
      status: "failed",
      tasksTotal: 3,
      tasksDone: 1,
      costUsd: 0.025,
      tokens: { input: 250, output: 25, cacheRead: 10, cacheWrite: 2 },
      durationMs: 4200,
      prUrl: "https://github.com/octo/repo/pull/8",
    });
    expect(s.tasks).toEqual([
      {
        index: 0,
        text: "Fix lint in src/a.ts",
        status: "done",
        durationMs: 1500,
        costUsd: 0.02,
        sha: SHA,
        filesChanged: 1,
      },
      {
        index: 1,
        text: "Fix lint in src/b.ts",
        status: "failed",
        durationMs: 2500,
        costUsd: 0.005,
        error: "verify failed: npm test exited 1",
        verify: [{ command: "npm test", exitCode: 1, durationMs: 300, outputTail: "1 failing" }],
      },
    ]);
  });

  it("a log with two attempts of one run: the last says how it ended, the first's work and spend are kept", () => {
    const events = sample(true);
    events.push(
      e({
        type: "run.started",
        playbook: "lint-cleanup",
        repo: "octo/repo",
        baseRef: "main",
        branch: "b",
        agent: "claude-code",
        trigger: { kind: "retry", actor: "octocat" },
        tasksTotal: 3,
      }),
      e({ type: "task.finished", index: 0, status: "skipped", durationMs: 0, costUsd: 0 }),
      e({ type: "task.started", index: 1, text: "Fix lint in src/b.ts" }),
      e({ type: "task.committed", index: 1, sha: "b".repeat(40), filesChanged: 1 }),
      e({ type: "task.finished", index: 1, status: "done", durationMs: 800, costUsd: 0.03 }),
      e({
        type: "run.finished",
        status: "succeeded",
        tasksDone: 3,
        tasksTotal: 3,
        costUsd: 0.03,
        tokens: { input: 50, output: 5, cacheRead: 0, cacheWrite: 0 },
        durationMs: 1000,
      }),
    );
    const s = summarizeRunLog(events);
    expect(s).toMatchObject({ status: "succeeded", tasksDone: 3, durationMs: 5200 });
    expect(s.costUsd).toBeCloseTo(0.055, 10);
    expect(s.tokens).toEqual({ input: 300, output: 30, cacheRead: 10, cacheWrite: 2 });
    expect(s.tasks[0]).toMatchObject({ status: "done", costUsd: 0.02, sha: SHA });
    expect(s.tasks[1]).toMatchObject({ status: "done", costUsd: 0.03 });
  });

  it("marks a run without run.finished incomplete and adds up the latest usage per task", () => {
    const events = sample(false);
    events.push(e({ type: "task.started", index: 2, text: "Fix lint in src/c.ts" }, 20));
    events.push(
      e(
        {
          type: "agent.usage",
          index: 2,
          inputTokens: 7,
          outputTokens: 1,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 0.001,
        },
        20,
      ),
    );
    const s = summarizeRunLog(events.reverse());
    expect(s.status).toBe("incomplete");
    expect(s.tasksDone).toBe(1);
    expect(s.tasksTotal).toBe(3);
    expect(s.costUsd).toBeCloseTo(0.026, 10);
    expect(s.tokens).toEqual({ input: 257, output: 26, cacheRead: 10, cacheWrite: 2 });
    expect(s.durationMs).toBe(20_000);
    expect(s.tasks.map((t) => t.status)).toEqual(["done", "failed", undefined]);
  });

  it("summarizes an empty log without crashing", () => {
    const s = summarizeRunLog([]);
    expect(s).toMatchObject({ runId: "", status: "incomplete", tasks: [], costUsd: 0 });
    expect(formatRunLogSummary(s)).toMatch(/Tasks: none recorded/);
  });
});

describe("formatRunLogSummary", () => {
  it("renders status, tasks, cost, tokens and the PR link as plain text", () => {
    const text = formatRunLogSummary(summarizeRunLog(sample(true)));
    expect(text).toContain("Run run-42  failed");
    expect(text).toContain("playbook lint-cleanup");
    expect(text).toContain("Tasks (1/3 done):");
    expect(text).toMatch(/✓ #0 Fix lint in src\/a\.ts {2}\(done, 1\.5s, \$0\.0200, 3f78685\)/);
    expect(text).toMatch(/✗ #1 Fix lint in src\/b\.ts/);
    expect(text).toContain("verify failed: npm test exited 1");
    expect(text).toContain("Cost: $0.0250");
    expect(text).toContain("Tokens: 250 in / 25 out");
    expect(text).toContain("Duration: 4.2s");
    expect(text).toContain("PR: https://github.com/octo/repo/pull/8");
    expect(text).not.toContain("\x1b[");
  });

  it("colours only when asked", () => {
    expect(formatRunLogSummary(summarizeRunLog(sample(true)), { color: true })).toContain("\x1b[31m");
  });

  it("issue 13: files changed per task and the models without a price are folded in", () => {
    seq = 0;
    const events = [
      e({ type: "task.started", index: 0, text: "a" }),
      e({
        type: "agent.usage",
        index: 0,
        inputTokens: 5,
        outputTokens: 1,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        model: "acme-coder-9",
        priced: false,
      }),
      e({ type: "task.committed", index: 0, sha: SHA, filesChanged: 0 }),
      e({ type: "task.finished", index: 0, status: "done", durationMs: 5, costUsd: 0, filesChanged: 0 }),
    ];
    const s = summarizeRunLog(events);
    expect(s.tasks[0]).toMatchObject({ filesChanged: 0, status: "done" });
    expect(s.unpricedModels).toEqual(["acme-coder-9"]);
    const text = formatRunLogSummary(s);
    expect(text).toContain("changed no file");
    expect(text).toContain("+ unknown (no price for acme-coder-9)");
  });
});
