import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runEventSchema, type RunEvent } from "../../../src/runlog/events.js";
import { readRunLog } from "../../../src/runlog/read.js";
import { RunLogWriter } from "../../../src/runlog/writer.js";
import { createRedactor, REDACTED } from "../../../src/security/redact.js";

const SECRET = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-runlog-"));
  file = path.join(dir, "nested", "runs", "run-1.jsonl");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const lines = (p: string) =>
  fs
    .readFileSync(p, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent);

describe("RunLogWriter", () => {
  it("stamps v, ts, runId and a monotonic seq from 0, creating parent dirs", () => {
    const seen: RunEvent[] = [];
    const w = RunLogWriter.open({ path: file, runId: "run-1", onEvent: (e) => seen.push(e) });
    const a = w.write({ type: "task.started", index: 0, text: "Add a test" });
    const b = w.write({ type: "agent.message", index: 0, role: "assistant", text: "hello" });
    w.close();
    expect(a).toMatchObject({ v: 1, runId: "run-1", seq: 0, type: "task.started" });
    expect(b.seq).toBe(1);
    expect(Number.isNaN(Date.parse(a.ts))).toBe(false);
    expect(lines(file)).toEqual([a, b]);
    expect(seen).toEqual([a, b]);
    for (const e of lines(file)) expect(runEventSchema.safeParse(e).success).toBe(true);
    // The stamps lead each line.
    expect(fs.readFileSync(file, "utf8").startsWith('{"v":1,"ts":')).toBe(true);
  });

  it("redacts secrets in message text, tool input (serialized), verify output and errors", () => {
    const w = RunLogWriter.open({ path: file, runId: "run-1", redact: createRedactor([SECRET]) });
    w.write({ type: "agent.message", index: 0, role: "assistant", text: `I found ${SECRET} in .env` });
    w.write({
      type: "agent.tool",
      index: 0,
      name: "Bash",
      input: { command: `git push https://x-access-token:${SECRET}@github.com/o/r`, description: "push" },
    });
    w.write({
      type: "task.verify",
      index: 0,
      command: "npm test",
      exitCode: 1,
      durationMs: 10,
      outputTail: `Error: bad creds ${SECRET}\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz`,
    });
    w.write({
      type: "task.finished",
      index: 0,
      status: "failed",
      durationMs: 5,
      costUsd: 0,
      error: `boom ${SECRET}`,
    });
    w.close();
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("abcdefghijklmnopqrstuvwxyz");
    const [msg, tool, verify, fin] = lines(file) as [RunEvent, RunEvent, RunEvent, RunEvent];
    expect(msg.type === "agent.message" && msg.text).toBe(`I found ${REDACTED} in .env`);
    expect(tool.type === "agent.tool" && JSON.parse(tool.input!)).toEqual({
      command: `git push https://x-access-token:${REDACTED}@github.com/o/r`,
      description: "push",
    });
    expect(verify.type === "task.verify" && verify.outputTail).toContain(`bad creds ${REDACTED}`);
    expect(fin.type === "task.finished" && fin.error).toBe(`boom ${REDACTED}`);
  });

  it("truncates long text fields with a marker (head for text, tail for command output)", () => {
    const w = RunLogWriter.open({ path: file, runId: "run-1", maxTextLength: 100 });
    const long = "a".repeat(300) + "END";
    const m = w.write({ type: "agent.message", index: 0, role: "assistant", text: long });
    const t = w.write({ type: "agent.tool", index: 0, name: "Write", input: long });
    const v = w.write({
      type: "task.verify",
      index: 0,
      command: "x",
      exitCode: 0,
      durationMs: 1,
      outputTail: "START" + long,
    });
    const f = w.write({
      type: "run.finished",
      status: "failed",
      tasksDone: 0,
      tasksTotal: 1,
      costUsd: 0,
      durationMs: 1,
      tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      error: long,
    });
    const short = w.write({ type: "agent.message", index: 0, role: "assistant", text: "short" });
    w.close();
    if (
      m.type !== "agent.message" ||
      t.type !== "agent.tool" ||
      v.type !== "task.verify" ||
      f.type !== "run.finished"
    )
      throw new Error("types");
    expect(m.text.length).toBeLessThanOrEqual(100);
    expect(m.text).toMatch(/^a+…\[truncated \d+ chars\]$/);
    const cut = Number(/truncated (\d+) chars/.exec(m.text)![1]);
    expect(m.text.length - `…[truncated ${cut} chars]`.length + cut).toBe(long.length);
    expect(t.input!.length).toBeLessThanOrEqual(100);
    expect(t.input).toContain("[truncated");
    expect(v.outputTail.endsWith("END")).toBe(true);
    expect(v.outputTail.startsWith("[truncated")).toBe(true);
    expect(v.outputTail.length).toBeLessThanOrEqual(100);
    expect(f.error!.length).toBeLessThanOrEqual(100);
    expect(short.type === "agent.message" && short.text).toBe("short");
  });

  it("throws on an event that breaks the schema, and writes nothing for it", () => {
    const w = RunLogWriter.open({ path: file, runId: "run-1" });
    expect(() => w.write({ type: "task.committed", index: 0, sha: "not-a-sha", filesChanged: 1 })).toThrow(
      /invalid task\.committed event: sha/,
    );
    expect(() => w.write({ type: "task.started", index: -1, text: "x" })).toThrow(/index/);
    const ok = w.write({ type: "task.started", index: 0, text: "x" });
    w.close();
    expect(ok.seq).toBe(0);
    expect(lines(file)).toHaveLength(1);
    expect(() => w.write({ type: "task.started", index: 1, text: "y" })).toThrow(/after close/);
  });

  it("appends durably: every line is readable from another fd before close", () => {
    const w = RunLogWriter.open({ path: file, runId: "run-1" });
    for (let i = 0; i < 5; i++) {
      w.write({ type: "task.started", index: i, text: `t${i}` });
      const fd = fs.openSync(file, "r");
      try {
        const buf = Buffer.alloc(1 << 16);
        const n = fs.readSync(fd, buf, 0, buf.length, 0);
        const got = buf.subarray(0, n).toString("utf8").split("\n").filter(Boolean);
        expect(got).toHaveLength(i + 1);
        expect(JSON.parse(got[i]!)).toMatchObject({ seq: i, text: `t${i}` });
      } finally {
        fs.closeSync(fd);
      }
    }
    w.close();
  });

  it("continues seq after an existing log when appending, even after a torn last line", async () => {
    const w1 = RunLogWriter.open({ path: file, runId: "run-1" });
    w1.write({ type: "task.started", index: 0, text: "a" });
    w1.write({ type: "task.started", index: 1, text: "b" });
    w1.close();
    fs.appendFileSync(file, '{"v":1,"ts":"2026-01-01T00:00:00.000Z","runId":"run-1","seq":2,"type":"task.st');
    const w2 = RunLogWriter.open({ path: file, runId: "run-1", append: true });
    const e = w2.write({ type: "task.started", index: 2, text: "c" });
    w2.close();
    expect(e.seq).toBe(2);
    const { events, problems } = await readRunLog(file);
    expect(events.map((x) => x.seq)).toEqual([0, 1, 2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(3);
  });

  it("starts afresh without append", () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "old junk\n");
    const w = RunLogWriter.open({ path: file, runId: "run-1" });
    expect(w.write({ type: "task.started", index: 0, text: "a" }).seq).toBe(0);
    w.close();
    expect(lines(file)).toHaveLength(1);
  });

  it("survives kill -9 of a writer process: all but at most the line in flight are intact", async () => {
    const { spawn } = await import("node:child_process");
    const script = `
      import { RunLogWriter } from ${JSON.stringify(path.resolve("src/runlog/writer.ts"))};
      const w = RunLogWriter.open({ path: ${JSON.stringify(file)}, runId: "run-k" });
      let i = 0;
      for (;;) { w.write({ type: "agent.message", index: 0, role: "assistant", text: "line " + i++ }); if (i === 50) process.stdout.write("go\\n"); }
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", () => resolve());
      child.on("exit", (code) => reject(new Error(`writer exited early: ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const { events, problems } = await readRunLog(file);
    expect(events.length).toBeGreaterThanOrEqual(50);
    expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i));
    expect(problems.length).toBeLessThanOrEqual(1);
  });
});
