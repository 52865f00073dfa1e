import { describe, expect, it } from "@jest/globals";
import { createGeminiStreamParser } from "../../../../src/agents/parsers/gemini-stream.js";
import { feed, fixtureLines } from "./feed.js";

const parse = (name: string) => feed(createGeminiStreamParser({}), fixtureLines("gemini", name));

describe("Gemini CLI stream-json parser", () => {
  it("joins delta chunks into messages, maps tool_use, and prices the result stats per model", () => {
    const { events, result } = parse("success-tool-use");
    expect(events.filter((e) => e.kind === "message").map((e) => (e as { text: string }).text)).toEqual([
      "I'll create hello.txt now.",
      "Created hello.txt with a greeting.",
    ]);
    expect(events.filter((e) => e.kind === "tool")).toEqual([
      { kind: "tool", name: "write_file", input: { file_path: "hello.txt", content: "hello\n" } },
    ]);
    expect(result.usage).toMatchObject({
      inputTokens: 5350,
      cacheReadTokens: 3100,
      outputTokens: 96,
      cacheWriteTokens: 0,
    });
    // gemini-2.5-pro: input 1.25, cached 0.125, output 10 USD/Mtok
    expect(result.usage.costUsd).toBeCloseTo((5350 * 1.25 + 3100 * 0.125 + 96 * 10) / 1e6, 6);
    expect(result).toMatchObject({ isError: false, summary: "Created hello.txt with a greeting." });
  });

  it("a model without a price (the router's choice): tokens counted, cost unknown and the model named (issue 13)", () => {
    const { result } = feed(createGeminiStreamParser({}), [
      '{"type":"init","session_id":"s","model":"gemini-3-flash-preview"}',
      '{"type":"message","role":"assistant","content":"Done.","delta":true}',
      '{"type":"result","status":"success","stats":{"input_tokens":1200,"output_tokens":40,"cached":0,"models":{"gemini-3-flash-preview":{"input_tokens":1000,"output_tokens":30,"cached":0},"gemini-2.5-flash-lite":{"input_tokens":200,"output_tokens":10,"cached":0}}}}',
    ]);
    expect(result).toMatchObject({ isError: false });
    expect(result.usage).toMatchObject({ inputTokens: 1200, outputTokens: 40, priced: false });
    expect(result.usage.model).toBe("gemini-3-flash-preview, gemini-2.5-flash-lite");
  });

  it("a RESOURCE_EXHAUSTED 429 is rate_limit", () => {
    expect(parse("rate-limit").result).toMatchObject({ isError: true, errorCode: "rate_limit" });
  });

  it("'API key not valid' is auth", () => {
    const { result } = parse("auth-failure");
    expect(result).toMatchObject({ isError: true, errorCode: "auth" });
    expect(result.error).toContain("API key not valid");
  });

  it("FatalTurnLimitedError is max_turns, with the usage spent", () => {
    const { result } = parse("max-turns");
    expect(result).toMatchObject({ isError: true, errorCode: "max_turns" });
    expect(result.usage).toMatchObject({ inputTokens: 2000, outputTokens: 60 });
    // gemini-2.5-flash: input 0.3, output 2.5
    expect(result.usage.costUsd).toBeCloseTo((2000 * 0.3 + 60 * 2.5) / 1e6, 6);
  });

  it("a non-JSON stdout line becomes an error event; the session still succeeds, priced by the init model", () => {
    const { events, result } = parse("malformed-line");
    expect(events[0]).toMatchObject({ kind: "error", code: "malformed_output" });
    expect(result).toMatchObject({ isError: false, summary: "Done." });
    expect(result.usage.costUsd).toBeCloseTo((1000 * 0.3 + 50 * 2.5) / 1e6, 6);
  });
});
