import { describe, expect, it } from "@jest/globals";
import { PassThrough } from "node:stream";
import { createRunOutput } from "../../../src/cli/output.js";
import type { RunEvent } from "../../../src/runlog/events.js";
import type { RunResult } from "../../../src/engine/types.js";

const base = { v: 1 as const, ts: new Date().toISOString(), runId: "rtest0001", seq: 0 };
const events: RunEvent[] = [
  {
    ...base,
    type: "run.started",
    playbook: "demo",
    repo: "/r",
    baseRef: "main",
    branch: "maestro/x",
    agent: "command",
    trigger: { kind: "cli", actor: "me" },
    tasksTotal: 2,
  },
  { ...base, type: "task.started", index: 0, text: "First task" },
  {
    ...base,
    type: "agent.usage",
    index: 0,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.25,
  },
  { ...base, type: "task.committed", index: 0, sha: "a".repeat(40), filesChanged: 2 },
  { ...base, type: "task.finished", index: 0, status: "done", durationMs: 1200, costUsd: 0.25 },
  { ...base, type: "task.started", index: 1, text: "Second task" },
  {
    ...base,
    type: "task.finished",
    index: 1,
    status: "failed",
    durationMs: 300,
    costUsd: 0,
    error: "agent exited with 3",
  },
];
const result: RunResult = {
  runId: "rtest0001",
  status: "failed",
  branch: "maestro/x",
  baseSha: "b".repeat(40),
  worktreePath: "/w",
  tasksDone: 1,
  tasksTotal: 2,
  tasks: [],
  costUsd: 0.25,
  tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
  durationMs: 1500,
};

function capture(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 120;
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe("run output", () => {
  it("plain lines without escape codes when stdout is not a TTY", () => {
    const out = capture(false);
    const o = createRunOutput({ format: "text", stdout: out.stream, stderr: out.stream, tasksTotal: 2 });
    events.forEach((e) => o.event(e));
    o.finish(result, { logPath: "/l.jsonl", continuing: false, playbookArg: "demo.md", repoDir: "/r" });
    const text = out.text();
    expect(text).not.toContain("\x1b[");
    expect(text).toContain("task 1/2 started: First task");
    expect(text).toContain("✓ task 1/2 done in 1.2s, $0.2500");
    expect(text).toContain("✗ task 2/2 failed in 0.3s, $0.0000: agent exited with 3");
    expect(text).toContain("resume: maestro run demo.md --repo /r --branch maestro/x");
  });

  it("a live status line (task n/m, elapsed, cost) redrawn in place on a TTY", async () => {
    const out = capture(true);
    const o = createRunOutput({ format: "text", stdout: out.stream, stderr: out.stream, tasksTotal: 2 });
    events.slice(0, 3).forEach((e) => o.event(e));
    await new Promise((r) => setTimeout(r, 600));
    o.event({
      ...base,
      type: "run.finished",
      status: "failed",
      tasksDone: 1,
      tasksTotal: 2,
      costUsd: 0.25,
      tokens: result.tokens,
      durationMs: 1,
    });
    o.finish(result, { logPath: "/l.jsonl", continuing: false, playbookArg: "demo.md", repoDir: "/r" });
    const text = out.text();
    expect(text).toContain("\r\x1b[2K");
    expect(text).toMatch(/\[1\/2\] \d+\.\ds {2}\$0\.2500 {2}First task/);
  });

  it("jsonl: one event per stdout line, humans on stderr", () => {
    const out = capture(false);
    const err = capture(false);
    const o = createRunOutput({ format: "jsonl", stdout: out.stream, stderr: err.stream, tasksTotal: 2 });
    events.forEach((e) => o.event(e));
    o.finish(result, { logPath: "/l.jsonl", continuing: false, playbookArg: "demo.md", repoDir: "/r" });
    const lines = out.text().trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(events.map((e) => e.type));
    expect(err.text()).toContain("run rtest0001 failed");
  });
});
