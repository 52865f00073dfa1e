// The stall watchdog (AgentRunOptions.stallTimeoutMs): no parsed event for that long and the session is
// stopped with status "stalled" and an error that says what the agent last did. Real child processes.
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { emptyUsage } from "../../../src/agents/pricing.js";
import type { StreamParser } from "../../../src/agents/parsers/stream-parser.js";
import { describeEvent, runAgentProcess, stallError } from "../../../src/agents/run-agent.js";
import type { AgentEvent, AgentRunOptions } from "../../../src/agents/types.js";

/** A parser of JSON lines that are events themselves; anything else parses to nothing. */
function eventLineParser(): StreamParser {
  return {
    push(line: string): AgentEvent[] {
      try {
        const value = JSON.parse(line) as AgentEvent;
        return typeof value === "object" && value !== null && "kind" in value ? [value] : [];
      } catch {
        return [];
      }
    },
    finish: () => ({ usage: emptyUsage(), isError: false }),
  };
}

const events: AgentEvent[] = [];
function options(stallTimeoutMs: number | undefined, timeoutMs = 30_000): AgentRunOptions {
  return {
    prompt: "",
    cwd: tmpdir(),
    timeoutMs,
    signal: new AbortController().signal,
    baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    onEvent: (e) => events.push(e),
    runId: "r-stall",
    taskIndex: 0,
    killGraceMs: 500,
    ...(stallTimeoutMs !== undefined ? { stallTimeoutMs } : {}),
  };
}

/** Runs `node -e script` as the agent "claude-code", parsed by eventLineParser. */
function runNode(script: string, opts: AgentRunOptions) {
  return runAgentProcess(
    "claude-code",
    { command: process.execPath, args: ["-e", script] },
    eventLineParser(),
    opts,
  );
}

const tool = JSON.stringify({ kind: "tool", name: "shell", input: { command: "npm test" } });
const usage = JSON.stringify({ kind: "usage", ...emptyUsage(), inputTokens: 10 });

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2)[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

describe("stall watchdog", () => {
  it("stops a session that goes quiet after a tool call, and names that call", async () => {
    const started = Date.now();
    const r = await runNode(
      `console.log("not an event"); console.log(${JSON.stringify(tool)}); console.log(${JSON.stringify(usage)}); setTimeout(() => {}, 60000);`,
      options(700),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.status).toBe("stalled");
    expect(r.error).toMatch(
      /^claude-code stalled: no output for 700 ms; its last activity, \d+(\.\d)? s ago, was a tool call: shell \{"command":"npm test"\}$/,
    );
    expect(r.usage).toEqual(emptyUsage()); // the parser's own result, untouched
  });

  it("kills the quiet agent's process group, a child that ignores SIGTERM included", async () => {
    const pids: number[] = [];
    const parser = eventLineParser();
    const r = await runAgentProcess(
      "command",
      {
        command: "sh",
        args: [
          "-c",
          `trap '' TERM; sleep 60 & echo "{\\"kind\\":\\"message\\",\\"role\\":\\"assistant\\",\\"text\\":\\"$!\\"}"; wait`,
        ],
      },
      parser,
      {
        ...options(500),
        onEvent: (e) => {
          if (e.kind === "message") pids.push(Number(e.text));
        },
      },
    );
    expect(r.status).toBe("stalled");
    expect(r.error).toMatch(/its last activity, [\d.]+ s ago, was a message: \d+$/);
    expect(pids).toHaveLength(1);
    expect(alive(pids[0]!)).toBe(false);
  });

  it("does not stop a session whose events keep coming, though the gaps add up to far more than the limit", async () => {
    const r = await runNode(
      `let n = 0; const t = setInterval(() => { console.log(${JSON.stringify(tool)}); if (++n === 20) { clearInterval(t); } }, 100);`,
      options(1000),
    );
    expect(r).toMatchObject({ status: "ok", exitCode: 0 });
  });

  it("stderr and stdout lines that parse to no event are not activity: 'nothing since it started'", async () => {
    const r = await runNode(
      `setInterval(() => { console.error("retrying in 1s…"); console.log("not an event"); }, 50);`,
      options(600),
    );
    expect(r.status).toBe("stalled");
    expect(r.error).toBe("claude-code stalled: no output for 600 ms; nothing since it started");
  });

  it("usage after a message still counts as activity, and the error names the message", async () => {
    const message = JSON.stringify({ kind: "message", role: "assistant", text: "Running the tests now." });
    const r = await runNode(
      `console.log(${JSON.stringify(message)}); setTimeout(() => console.log(${JSON.stringify(usage)}), 400); setTimeout(() => {}, 60000);`,
      options(600),
    );
    expect(r.status).toBe("stalled");
    // stopped 600 ms after the usage line, so about 1 s after the message it names
    const ago = /its last activity, ([\d.]+) s ago, was a message: Running the tests now\.$/.exec(
      r.error ?? "",
    );
    expect(ago).not.toBeNull();
    expect(Number(ago?.[1])).toBeGreaterThanOrEqual(0.9);
  });

  it("without stallTimeoutMs there is no watchdog; a timeout is still a timeout", async () => {
    const r = await runNode(`setTimeout(() => {}, 60000);`, options(undefined, 800));
    expect(r.status).toBe("timeout");
    const quiet = await runNode(`setTimeout(() => {}, 1200);`, options(undefined));
    expect(quiet.status).toBe("ok");
  });

  it("a timeout that comes before the stall limit is a timeout", async () => {
    const r = await runNode(`setTimeout(() => {}, 60000);`, options(5000, 600));
    expect(r.status).toBe("timeout");
  });
});

describe("stall error text", () => {
  it("quotes at most 200 characters of a tool's input and of a message", () => {
    const long = "x".repeat(500);
    const t = describeEvent({ kind: "tool", name: "shell", input: { command: long } });
    expect(t.startsWith('a tool call: shell {"command":"xxx')).toBe(true);
    expect(t.endsWith("…")).toBe(true);
    expect(t.length).toBeLessThanOrEqual("a tool call: shell ".length + 201);
    const m = describeEvent({ kind: "message", role: "assistant", text: `line one\n\n  ${long}` });
    expect(m.startsWith("a message: line one xxx")).toBe(true);
    expect(m.length).toBeLessThanOrEqual("a message: ".length + 201);
    expect(describeEvent({ kind: "tool", name: "Read" })).toBe("a tool call: Read");
    expect(describeEvent({ kind: "error", code: "other", message: "boom" })).toBe("an error: boom");
  });

  it("reads as one sentence: the limit, how long ago, and what", () => {
    expect(
      stallError("claude-code", {
        stallTimeoutMs: 120_000,
        last: { event: { kind: "tool", name: "shell", input: { command: "npm test" } }, agoMs: 138_000 },
      }),
    ).toBe(
      'claude-code stalled: no output for 2 min; its last activity, 2.3 min ago, was a tool call: shell {"command":"npm test"}',
    );
    expect(stallError("codex", { stallTimeoutMs: 90_000 })).toBe(
      "codex stalled: no output for 90 s; nothing since it started",
    );
  });
});
