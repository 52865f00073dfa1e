import { describe, expect, it } from "@jest/globals";
import { emptyUsage } from "../../../src/agents/pricing.js";
import type { ManagedProcessResult } from "../../../src/agents/process.js";
import type { StreamParserResult } from "../../../src/agents/parsers/stream-parser.js";
import { toAgentResult } from "../../../src/agents/run-agent.js";

const proc = (p: Partial<ManagedProcessResult> = {}): ManagedProcessResult => ({
  exitCode: 0,
  signal: null,
  timedOut: false,
  cancelled: false,
  stalled: false,
  stdoutTail: "",
  stderrTail: "",
  durationMs: 1,
  ...p,
});
const usage = { ...emptyUsage(), inputTokens: 7, costUsd: 0.25 };
const ok: StreamParserResult = { usage, summary: "did it", isError: false };
const rateLimited: StreamParserResult = {
  usage,
  isError: true,
  errorCode: "rate_limit",
  error: "Claude Code failed: 429",
};
const noResult: StreamParserResult = {
  usage,
  isError: true,
  errorCode: "malformed_output",
  error: "no result line",
};

describe("toAgentResult: cancelled > stalled > timeout > spawn error > failure > ok", () => {
  it("cancelled wins over everything and keeps the usage so far", () => {
    const r = toAgentResult(
      "codex",
      proc({ cancelled: true, exitCode: null, signal: "SIGTERM" }),
      rateLimited,
      1000,
    );
    expect(r).toMatchObject({ status: "cancelled", usage });
  });

  it("stalled comes after cancelled and before timeout, and says what the agent last did", () => {
    const stall = {
      stallTimeoutMs: 120_000,
      last: {
        event: { kind: "tool" as const, name: "shell", input: { command: "npm test" } },
        agoMs: 138_000,
      },
    };
    expect(
      toAgentResult("codex", proc({ cancelled: true, stalled: true, exitCode: null }), ok, 1000, stall)
        .status,
    ).toBe("cancelled");
    expect(
      toAgentResult(
        "codex",
        proc({ stalled: true, timedOut: true, exitCode: null }),
        rateLimited,
        1000,
        stall,
      ),
    ).toMatchObject({
      status: "stalled",
      usage,
      error:
        'codex stalled: no output for 2 min; its last activity, 2.3 min ago, was a tool call: shell {"command":"npm test"}',
    });
    expect(toAgentResult("codex", proc({ stalled: true, exitCode: null }), ok, 1000).error).toBe(
      "codex stalled; its process group was killed",
    );
  });

  it("timeout names the limit", () => {
    const r = toAgentResult("codex", proc({ timedOut: true, exitCode: null }), noResult, 30 * 60_000);
    expect(r).toMatchObject({
      status: "timeout",
      error: "codex timed out after 30 min; its process group was killed",
    });
  });

  it("a spawn error is not_found", () => {
    const r = toAgentResult(
      "gemini",
      proc({ exitCode: null, spawnError: "agent binary 'gemini' not found" }),
      noResult,
      1000,
    );
    expect(r).toMatchObject({
      status: "failed",
      errorCode: "not_found",
      error: "agent binary 'gemini' not found",
    });
  });

  it("the CLI's own diagnosis beats the exit code; stderr explains a stream that just stopped", () => {
    expect(
      toAgentResult("claude-code", proc({ exitCode: 1, stderrTail: "boom" }), rateLimited, 1000),
    ).toMatchObject({
      status: "failed",
      errorCode: "rate_limit",
      error: "Claude Code failed: 429",
    });
    expect(
      toAgentResult(
        "claude-code",
        proc({ exitCode: 1, stderrTail: "Error: 401 unauthorized\n" }),
        noResult,
        1000,
      ),
    ).toMatchObject({
      status: "failed",
      errorCode: "auth",
      error: "claude-code exited with code 1: Error: 401 unauthorized",
    });
    expect(
      toAgentResult("claude-code", proc({ exitCode: null, signal: "SIGSEGV" }), noResult, 1000).error,
    ).toBe("claude-code was killed by SIGSEGV");
  });

  it("exit 0 with a parser error is still a failure; exit 0 and a clean stream is ok with the summary", () => {
    expect(toAgentResult("opencode", proc(), noResult, 1000)).toMatchObject({
      status: "failed",
      errorCode: "malformed_output",
    });
    expect(toAgentResult("opencode", proc(), ok, 1000)).toEqual({
      status: "ok",
      exitCode: 0,
      usage,
      summary: "did it",
    });
  });
});
