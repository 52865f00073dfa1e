import { describe, expect, it } from "@jest/globals";
import { createCodexStreamParser } from "../../../../src/agents/parsers/codex-stream.js";
import { feed, fixtureLines, usageEvents } from "./feed.js";

const parse = (name: string, model?: string) =>
  feed(createCodexStreamParser(model ? { model } : {}), fixtureLines("codex", name));

describe("Codex exec --json stream parser", () => {
  it("maps items to events once each and prices turn usage (cached input split out)", () => {
    const { events, result } = parse("success-tool-use", "gpt-5");
    const tools = events.filter((e) => e.kind === "tool");
    expect(tools.map((t) => (t as { name: string }).name)).toEqual(["shell", "file_change"]); // started+completed → one
    expect(events.filter((e) => e.kind === "message")).toEqual([
      { kind: "message", role: "assistant", text: "Created hello.txt with a greeting." },
    ]);
    const expected = {
      inputTokens: 24763 - 24448,
      cacheReadTokens: 24448,
      outputTokens: 122,
      cacheWriteTokens: 0,
    };
    expect(result.usage).toMatchObject(expected);
    // gpt-5: input 1.25, cached 0.125, output 10 USD/Mtok
    expect(result.usage.costUsd).toBeCloseTo((315 * 1.25 + 24448 * 0.125 + 122 * 10) / 1e6, 6);
    expect(usageEvents(events).at(-1)).toMatchObject(expected);
    expect(result).toMatchObject({ isError: false, summary: "Created hello.txt with a greeting." });
  });

  it("a failed turn after a 429 is a rate_limit failure", () => {
    const { result, events } = parse("rate-limit");
    expect(result).toMatchObject({ isError: true, errorCode: "rate_limit" });
    expect(result.error).toContain("429 Too Many Requests");
    expect(events.filter((e) => e.kind === "error").length).toBeGreaterThanOrEqual(2);
  });

  it("a 401 invalid_api_key is an auth failure", () => {
    const { result } = parse("auth-failure");
    expect(result).toMatchObject({ isError: true, errorCode: "auth" });
    expect(result.error).toContain("Incorrect API key");
  });

  it("skips malformed lines with an error event and keeps parsing", () => {
    const { result, events } = parse("malformed-line");
    expect(events.filter((e) => e.kind === "error" && e.code === "malformed_output")).toHaveLength(2);
    expect(result).toMatchObject({ isError: false, summary: "All set." });
    expect(result.usage.inputTokens).toBe(1000);
  });

  it("no model asked for or configured: tokens counted, cost unknown (not priced as gpt-5: issue 13)", () => {
    const { result } = parse("success-tool-use");
    expect(result.usage).toMatchObject({ inputTokens: 315, costUsd: 0, priced: false });
    expect(result.usage.model).toBeUndefined();
  });

  it("Codex's notices are system messages, not errors; the model a metadata notice names is the one priced", () => {
    const { events, result } = feed(createCodexStreamParser({ model: "gpt-5" }), [
      '{"type":"thread.started","thread_id":"t"}',
      '{"type":"turn.started"}',
      '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-5-mini` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."}}',
      '{"type":"error","message":"Reconnecting... 2/5 (stream disconnected before completion)"}',
      '{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Done."}}',
      '{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":0,"output_tokens":100}}',
    ]);
    expect(events.filter((e) => e.kind === "error")).toEqual([]);
    expect(events.filter((e) => e.kind === "message" && e.role === "system")).toHaveLength(2);
    expect(result).toMatchObject({ isError: false, summary: "Done." });
    // gpt-5-mini: input 0.25, output 2
    expect(result.usage).toMatchObject({ model: "gpt-5-mini", priced: true });
    expect(result.usage.costUsd).toBeCloseTo((1000 * 0.25 + 100 * 2) / 1e6, 9);
  });

  it("reconnect notices then no turn: the failure quotes the last one (it carries the API's error)", () => {
    const { result } = feed(createCodexStreamParser({ model: "gpt-5" }), [
      '{"type":"turn.started"}',
      '{"type":"error","message":"Reconnecting... 1/1 (unexpected status 500 Internal Server Error: boom 7f3a)"}',
    ]);
    expect(result.isError).toBe(true);
    expect(result.error).toContain("boom 7f3a");
  });

  it("a stream that never completes a turn is a failure", () => {
    const { result } = feed(createCodexStreamParser({}), [
      '{"type":"thread.started","thread_id":"t"}',
      '{"type":"turn.started"}',
    ]);
    expect(result.isError).toBe(true);
  });
});
