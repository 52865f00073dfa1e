import { describe, expect, it } from "@jest/globals";
import { createClaudeCodeStreamParser } from "../../../../src/agents/parsers/claude-code-stream.js";
import { feed, fixtureLines, usageEvents } from "./feed.js";

const parse = (name: string, model?: string) =>
  feed(createClaudeCodeStreamParser(model ? { model } : {}), fixtureLines("claude-code", name));

describe("Claude Code stream parser (transcripts from the real CLI 2.1.197)", () => {
  it("turns a tool-using session into message, tool and usage events, with the result line authoritative", () => {
    const { events, result } = parse("success-tool-use");
    expect(events.filter((e) => e.kind === "message").map((e) => (e as { text: string }).text)).toEqual([
      "I'll create hello.txt now.",
      "Created hello.txt with a greeting.",
    ]);
    const tools = events.filter((e) => e.kind === "tool");
    expect(tools).toHaveLength(1);
    expect(tools[0]).toMatchObject({
      kind: "tool",
      name: "Write",
      input: { file_path: "/tmp/maestro-fixture-repo/hello.txt" },
    });
    expect(result.isError).toBe(false);
    expect(result.summary).toBe("Created hello.txt with a greeting.");
    // The result line's modelUsage, which counts the side request (haiku, 10 in / 3 out) that its
    // total_cost_usd pays for and its `usage` leaves out: tokens and cost describe the same requests.
    expect(result.usage).toEqual({
      inputTokens: 2610,
      outputTokens: 113,
      cacheReadTokens: 6400,
      cacheWriteTokens: 400,
      model: "claude-sonnet-4-5-20250929",
      priced: true,
      costUsd: 0.012945,
    });
  });

  it("counts a message streamed as several lines with one id once (dedupe by message.id)", () => {
    const lines = fixtureLines("claude-code", "success-tool-use");
    // lines 2 and 3 are the text and tool_use blocks of one API message, both carrying its usage
    const first = JSON.parse(lines[1]!);
    const second = JSON.parse(lines[2]!);
    expect(first.message.id).toBe(second.message.id);
    const { events } = feed(createClaudeCodeStreamParser({}), lines.slice(0, 3));
    const usages = usageEvents(events);
    expect(usages).toHaveLength(1); // the repeated line adds nothing
    expect(usages[0]).toMatchObject({ inputTokens: 1200, cacheReadTokens: 3000, cacheWriteTokens: 400 });
  });

  it("emits cumulative usage priced from the table before the result line, so a cost cap can act mid-task", () => {
    const lines = fixtureLines("claude-code", "success-tool-use");
    const withoutResult = lines.filter((l) => !l.startsWith('{"type":"result"'));
    const { events, result } = feed(createClaudeCodeStreamParser({}), withoutResult);
    const usages = usageEvents(events);
    expect(usages).toHaveLength(2);
    // second message adds to the first: cumulative, not a delta
    expect(usages[1]).toMatchObject({
      inputTokens: 2600,
      cacheReadTokens: 6400,
      cacheWriteTokens: 400,
      outputTokens: 2,
    });
    // claude-sonnet-4-5: input 3, output 15, cache read 0.3, cache write 3.75 USD/Mtok
    const expected = (2600 * 3 + 2 * 15 + 6400 * 0.3 + 400 * 3.75) / 1e6;
    expect(usages[1]!.costUsd).toBeCloseTo(expected, 6);
    expect(usages[0]!.costUsd).toBeLessThan(usages[1]!.costUsd);
    // without its result line the session is not a success
    expect(result.isError).toBe(true);
    expect(result.errorCode).toBe("malformed_output");
  });

  it("classifies a 429 (exit 1, subtype success, is_error true) as rate_limit", () => {
    const { events, result } = parse("rate-limit");
    expect(result.isError).toBe(true);
    expect(result.errorCode).toBe("rate_limit");
    expect(result.error).toContain("429");
    expect(events.some((e) => e.kind === "error" && e.code === "rate_limit")).toBe(true);
  });

  it("classifies a 401 'Invalid API key' as auth", () => {
    const { result } = parse("auth-failure");
    expect(result.isError).toBe(true);
    expect(result.errorCode).toBe("auth");
    expect(result.error).toContain("Invalid API key");
  });

  it("reports error_max_turns as max_turns with its usage", () => {
    const { result } = parse("max-turns");
    expect(result.isError).toBe(true);
    expect(result.errorCode).toBe("max_turns");
    expect(result.error).toMatch(/turn limit/);
    expect(result.usage).toMatchObject({ inputTokens: 110, outputTokens: 23, costUsd: 0.001125 });
  });

  it("fails a session whose result is success/is_error=false but has permission_denials, naming the denied tool", () => {
    const { result } = parse("permission-denied");
    const last = JSON.parse(fixtureLines("claude-code", "permission-denied").at(-1)!);
    expect(last.subtype).toBe("success");
    expect(last.is_error).toBe(false);
    expect(result.isError).toBe(true);
    expect(result.error).toContain("Bash(git push origin HEAD)");
    expect(result.summary).toBe("I could not push.");
  });

  it("ignores a malformed line with an error event instead of crashing, and still reads the rest", () => {
    const { events, result } = parse("malformed-line");
    const malformed = events.filter((e) => e.kind === "error" && e.code === "malformed_output");
    expect(malformed).toHaveLength(2);
    expect(result.isError).toBe(false);
    expect(result.usage.inputTokens).toBe(2610);
  });

  it("ignores blank lines and unknown line types", () => {
    const parser = createClaudeCodeStreamParser({});
    expect(parser.push("")).toEqual([]);
    expect(parser.push('{"type":"stream_event","event":{}}')).toEqual([]);
    expect(parser.push("[1,2]")).toMatchObject([{ kind: "error", code: "malformed_output" }]);
  });
});
