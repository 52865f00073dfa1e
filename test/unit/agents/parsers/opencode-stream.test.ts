import { describe, expect, it } from "@jest/globals";
import { createOpenCodeStreamParser } from "../../../../src/agents/parsers/opencode-stream.js";
import { feed, fixtureLines, usageEvents } from "./feed.js";

const parse = (name: string, model?: string) =>
  feed(createOpenCodeStreamParser(model ? { model } : {}), fixtureLines("opencode", name));

describe("OpenCode run --format json parser", () => {
  it("sums step_finish tokens and uses OpenCode's own cost", () => {
    const { events, result } = parse("success-tool-use");
    expect(events.filter((e) => e.kind === "tool")).toEqual([
      {
        kind: "tool",
        name: "write",
        input: { filePath: "/tmp/maestro-fixture-repo/hello.txt", content: "hello\n" },
      },
    ]);
    expect(usageEvents(events)).toHaveLength(2);
    expect(result.usage).toEqual({
      inputTokens: 2600,
      outputTokens: 110,
      cacheReadTokens: 6400,
      cacheWriteTokens: 400,
      costUsd: 0.01437,
      priced: true,
    });
    expect(result).toMatchObject({ isError: false, summary: "Created hello.txt with a greeting." });
  });

  it("prices from the table when OpenCode reports cost 0 (provider/model form accepted)", () => {
    const { result } = parse("no-cost", "anthropic/claude-sonnet-4-5");
    expect(result.usage.costUsd).toBeCloseTo(3 + 1.5, 6); // 1M input × $3 + 100k output × $15
  });

  it("cost 0 from a custom provider and no model named: the cost is unknown, not $0 (issue 13)", () => {
    const { result, events } = parse("no-cost");
    expect(result.usage).toMatchObject({ inputTokens: 1_000_000, costUsd: 0, priced: false });
    expect(usageEvents(events).at(-1)).toMatchObject({ priced: false });
    // named, but not in the table: unknown too, and the model is said
    const named = parse("no-cost", "local/qwen-coder-32b").result;
    expect(named.usage).toMatchObject({ priced: false, model: "local/qwen-coder-32b" });
  });

  it("an APIError with statusCode 429 is rate_limit", () => {
    const { result } = parse("rate-limit");
    expect(result).toMatchObject({ isError: true, errorCode: "rate_limit" });
    expect(result.error).toContain("Rate limit exceeded");
  });

  it("a ProviderAuthError is auth", () => {
    const { result } = parse("auth-failure");
    expect(result).toMatchObject({ isError: true, errorCode: "auth" });
    expect(result.error).toContain("invalid x-api-key");
  });

  it("skips a truncated line with an error event", () => {
    const { events, result } = parse("malformed-line");
    expect(events.filter((e) => e.kind === "error")).toHaveLength(1);
    expect(result.isError).toBe(false);
    expect(result.usage.costUsd).toBe(0.002);
  });
});
