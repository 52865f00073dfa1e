// What GitHub is shown of a finished run is computed from its whole log by a pure function (issue 14 §5).
import { describe, expect, it } from "@jest/globals";
import { runSummary } from "../../../src/workers/processor.js";
import { summarizeRunLog } from "../../../src/runlog/summary.js";
import type { RunEvent } from "../../../src/runlog/events.js";

let seq = 0;
const ev = (fields: Record<string, unknown>): RunEvent =>
  ({ v: 1, ts: "2026-12-04T00:00:00.000Z", runId: "rsum", seq: seq++, ...fields }) as RunEvent;

describe("runSummary", () => {
  it("takes each task's outcome from the whole log (an earlier attempt's included), redacts the error", () => {
    const events = [
      ev({ type: "task.started", index: 0, text: "a" }),
      ev({
        type: "task.committed",
        index: 0,
        sha: "a".repeat(40),
        filesChanged: 1,
        files: [{ path: "x", added: 1, deleted: 0 }],
      }),
      ev({
        type: "task.finished",
        index: 0,
        status: "done",
        durationMs: 10,
        costUsd: 0.5,
        summary: "Did a.",
      }),
      ev({
        type: "run.finished",
        status: "failed",
        tasksDone: 1,
        tasksTotal: 2,
        costUsd: 0.5,
        tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
        durationMs: 20,
      }),
      ev({ type: "task.started", index: 1, text: "b" }),
      ev({ type: "task.finished", index: 1, status: "failed", durationMs: 5, costUsd: 0.25, error: "boom" }),
      ev({
        type: "run.finished",
        status: "failed",
        tasksDone: 1,
        tasksTotal: 2,
        costUsd: 0.25,
        tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
        durationMs: 7,
      }),
    ];
    const s = runSummary({
      data: {
        runId: "rsum",
        playbook: { name: "p", source: "", origin: "repo" } as never,
        trigger: { kind: "comment", actor: "alice" },
      },
      branch: "maestro/1-p-rsum",
      planned: [
        { index: 0, text: "a" },
        { index: 1, text: "b" },
        { index: 2, text: "c" },
      ],
      whole: summarizeRunLog(events),
      result: { status: "failed", tasksDone: 1, tasksTotal: 2, error: "token ghs_secret leaked" },
      redact: (t) => t.replace("ghs_secret", "[REDACTED]"),
      logUrl: "https://m.example/log",
    });
    expect(s.costUsd).toBe(0.75); // both attempts' spend
    expect(s.tasks[0]).toMatchObject({
      status: "done",
      sha: "a".repeat(40),
      summary: "Did a.",
      filesChanged: 1,
    });
    expect(s.tasks[1]).toMatchObject({ status: "failed", error: "boom" });
    expect(s.tasks[2]).toEqual({ index: 2, text: "c" });
    expect(s.error).toBe("token [REDACTED] leaked");
    expect(s).toMatchObject({ actor: "alice", logUrl: "https://m.example/log", durationMs: 27 });
  });
});
