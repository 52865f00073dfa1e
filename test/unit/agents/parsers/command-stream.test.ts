import { describe, expect, it } from "@jest/globals";
import { createCommandStreamParser } from "../../../../src/agents/parsers/command-stream.js";
import { feed, usageEvents } from "./feed.js";

describe("command agent output parser", () => {
  it("adds usage lines up, emits running totals, and turns other lines into messages", () => {
    const { events, result } = feed(createCommandStreamParser({}), [
      "working on it",
      '{"type":"usage","inputTokens":100,"outputTokens":10,"costUsd":0.5}',
      '{"type":"usage","inputTokens":50,"outputTokens":5,"costUsd":0.25}',
      '{"not":"usage"}',
      "finished the task",
      "",
    ]);
    expect(usageEvents(events).map((u) => [u.inputTokens, u.outputTokens, u.costUsd])).toEqual([
      [100, 10, 0.5],
      [150, 15, 0.75],
    ]);
    expect(events.filter((e) => e.kind === "message").map((e) => (e as { text: string }).text)).toEqual([
      "working on it",
      '{"not":"usage"}',
      "finished the task",
    ]);
    expect(result).toMatchObject({
      isError: false,
      summary: "finished the task",
      usage: { inputTokens: 150, costUsd: 0.75 },
    });
  });

  it("prices a usage line without costUsd from the model's price", () => {
    const { result } = feed(createCommandStreamParser({ model: "gpt-4.1" }), [
      '{"type":"usage","inputTokens":1000000,"outputTokens":1000000}',
    ]);
    expect(result.usage.costUsd).toBeCloseTo(2 + 8, 6);
  });
});
