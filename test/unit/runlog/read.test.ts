import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseRunLog, readRunLog } from "../../../src/runlog/read.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-read-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ev = (seq: number) =>
  JSON.stringify({
    v: 1,
    ts: "2026-01-01T00:00:00.000Z",
    runId: "r",
    seq,
    type: "task.started",
    index: seq,
    text: "t",
  });

describe("readRunLog", () => {
  it("reads every valid line", async () => {
    const p = path.join(dir, "a.jsonl");
    fs.writeFileSync(p, `${ev(0)}\n${ev(1)}\n`);
    const { events, problems } = await readRunLog(p);
    expect(events.map((e) => e.seq)).toEqual([0, 1]);
    expect(problems).toEqual([]);
  });

  it("reports a truncated last line as a problem instead of throwing", async () => {
    const p = path.join(dir, "b.jsonl");
    fs.writeFileSync(p, `${ev(0)}\n${ev(1).slice(0, 30)}`);
    const { events, problems } = await readRunLog(p);
    expect(events).toHaveLength(1);
    expect(problems).toEqual([{ line: 2, error: expect.stringMatching(/truncated last line/) }]);
  });

  it("reports invalid events and garbage with their line numbers, keeping the rest", () => {
    const bad = JSON.stringify({ v: 2, type: "task.started" });
    const { events, problems } = parseRunLog(`${ev(0)}\nnot json\n\n${bad}\n${ev(1)}\n`);
    expect(events.map((e) => e.seq)).toEqual([0, 1]);
    expect(problems.map((p) => p.line)).toEqual([2, 4]);
    expect(problems[0]!.error).toMatch(/not JSON/);
    expect(problems[1]!.error).toMatch(/not a valid run event/);
  });

  it("rejects a missing file with the path in the error", async () => {
    await expect(readRunLog(path.join(dir, "nope.jsonl"))).rejects.toThrow(/nope\.jsonl/);
  });
});
