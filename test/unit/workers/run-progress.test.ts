// The status comment's progress, folded from run-log events by a pure function (issue 14 §5).
import { describe, expect, it } from "@jest/globals";
import type { RunEvent } from "../../../src/runlog/events.js";
import { foldProgress } from "../../../src/workers/run-progress.js";

let seq = 0;
const ev = (fields: Record<string, unknown>): RunEvent =>
  ({ v: 1, ts: "2026-12-04T00:00:00.000Z", runId: "rprog", seq: seq++, ...fields }) as RunEvent;
const usage = (index: number, input: number, output: number, costUsd: number, extra = {}) =>
  ev({
    type: "agent.usage",
    index,
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd,
    ...extra,
  });

describe("foldProgress", () => {
  it("tracks the current task, live and settled cost and tokens, commits and outcomes", () => {
    const p = foldProgress([
      { index: 0, text: "a" },
      { index: 2, text: "c" },
    ]);
    expect(p.view()).toMatchObject({ costUsd: 0, tasksFinished: 0, tokens: { input: 0, output: 0 } });
    expect(p.apply(ev({ type: "task.started", index: 0, text: "a" }))).toBe(true);
    expect(p.view().current).toBe(0);
    expect(p.apply(usage(0, 100, 10, 0.5))).toBe(true);
    expect(p.apply(usage(0, 300, 30, 1.5))).toBe(true); // cumulative: replaces, not adds
    expect(p.view()).toMatchObject({ costUsd: 1.5, tokens: { input: 300, output: 30 } });
    expect(p.apply(ev({ type: "task.committed", index: 0, sha: "a".repeat(40), filesChanged: 0 }))).toBe(
      false,
    );
    expect(
      p.apply(ev({ type: "task.finished", index: 0, status: "done", durationMs: 5, costUsd: 1.5 })),
    ).toBe(true);
    const v = p.view();
    expect(v.current).toBeUndefined();
    expect(v).toMatchObject({ costUsd: 1.5, tasksFinished: 1, tokens: { input: 300, output: 30 } });
    expect(v.tasks[0]).toMatchObject({ status: "done", sha: "a".repeat(40), filesChanged: 0, costUsd: 1.5 });

    p.apply(ev({ type: "task.started", index: 2, text: "c" }));
    p.apply(usage(2, 50, 5, 0, { priced: false, model: "acme-9" }));
    expect(p.view()).toMatchObject({
      costUsd: 1.5,
      tokens: { input: 350, output: 35 },
      unpricedModels: ["acme-9"],
    });
    p.apply(
      ev({
        type: "task.finished",
        index: 2,
        status: "stalled",
        durationMs: 9,
        costUsd: 0,
        error: "stalled: …",
      }),
    );
    expect(p.view().tasks[1]).toMatchObject({ status: "stalled", error: "stalled: …" });
    expect(p.view().tasksFinished).toBe(2);
  });

  it("a task resumed after a crash starts over; one skipped as done earlier asks for no edit", () => {
    const p = foldProgress([{ index: 0, text: "a" }]);
    p.apply(ev({ type: "task.finished", index: 0, status: "failed", durationMs: 1, costUsd: 0 }));
    expect(p.apply(ev({ type: "task.started", index: 0, text: "a" }))).toBe(true);
    expect(p.view().tasks[0]!.status).toBeUndefined();
    expect(
      p.apply(ev({ type: "task.finished", index: 0, status: "skipped", durationMs: 0, costUsd: 0 })),
    ).toBe(false);
    expect(p.apply(ev({ type: "agent.message", index: 0, role: "assistant", text: "hi" }))).toBe(false);
  });
});
