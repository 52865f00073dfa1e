import { describe, expect, it } from "@jest/globals";
import { computeCostUsd, DEFAULT_PRICING, resolvePrice } from "../../../src/agents/pricing.js";
import { fixtureLines } from "./parsers/feed.js";

const tokens = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({
  inputTokens: input,
  outputTokens: output,
  cacheReadTokens: cacheRead,
  cacheWriteTokens: cacheWrite,
});

describe("resolvePrice", () => {
  it("matches exactly first, then the longest prefix at a boundary", () => {
    expect(resolvePrice("gpt-5-mini")?.key).toBe("gpt-5-mini");
    expect(resolvePrice("claude-sonnet-4-5-20250929")?.key).toBe("claude-sonnet-4-5");
    expect(resolvePrice("claude-sonnet-4-20250514")?.key).toBe("claude-sonnet-4");
    expect(resolvePrice("claude-opus-4-1-20250805")?.key).toBe("claude-opus-4-1");
    expect(resolvePrice("gpt-5-mini-2025-08-07")?.key).toBe("gpt-5-mini");
    expect(resolvePrice("gemini-2.5-flash-lite-preview")?.key).toBe("gemini-2.5-flash-lite");
    // Claude Code's default model, as its init line names it
    expect(resolvePrice("claude-opus-4-8[1m]")?.key).toBe("claude-opus-4-8");
    expect(resolvePrice("claude-sonnet-4-5[1m]")?.key).toBe("claude-sonnet-4-5");
  });

  it("does not match a prefix that ends mid-word, and strips a provider prefix", () => {
    expect(resolvePrice("o3x")).toBeUndefined();
    expect(resolvePrice("gpt-50")).toBeUndefined();
    expect(resolvePrice("anthropic/claude-haiku-4-5")?.key).toBe("claude-haiku-4-5");
    expect(resolvePrice("models/gemini-2.5-pro")?.key).toBe("gemini-2.5-pro");
    expect(resolvePrice(undefined)).toBeUndefined();
  });

  it("covers the families the adapters run", () => {
    for (const key of [
      "claude-sonnet-4-5",
      "claude-opus-4-1",
      "claude-haiku-4-5",
      "claude-3-5-haiku",
      "gpt-5",
      "gpt-4.1",
      "o3",
      "o4-mini",
      "gemini-2.5-pro",
      "gemini-2.5-flash",
    ]) {
      expect(DEFAULT_PRICING[key]).toBeDefined();
    }
  });
});

describe("computeCostUsd", () => {
  it("charges each token class at its own price", () => {
    const r = computeCostUsd(
      tokens(1_000_000, 1_000_000, 1_000_000, 1_000_000),
      "claude-sonnet-4-5-20250929",
    );
    expect(r).toMatchObject({ priced: true, key: "claude-sonnet-4-5" });
    expect(r.costUsd).toBeCloseTo(3 + 15 + 0.3 + 3.75, 6);
  });

  it("lets repo pricing override and extend the defaults", () => {
    const extra = { "gpt-5": { input: 2, output: 20 }, "my-local-model": { input: 0.5, output: 1 } };
    expect(computeCostUsd(tokens(1_000_000, 0), "gpt-5", extra).costUsd).toBe(2);
    expect(computeCostUsd(tokens(1_000_000, 0), "gpt-5").costUsd).toBe(1.25);
    expect(computeCostUsd(tokens(0, 2_000_000), "my-local-model", extra)).toMatchObject({
      costUsd: 2,
      priced: true,
    });
    // no cacheRead price given: cache reads cost the input price
    expect(computeCostUsd(tokens(0, 0, 1_000_000), "gpt-5", extra).costUsd).toBe(2);
  });

  it("an unknown model costs 0 and says it was not priced", () => {
    expect(computeCostUsd(tokens(1000, 1000), "some-new-model")).toEqual({ costUsd: 0, priced: false });
  });
});

describe("DEFAULT_PRICING agrees with Claude Code's own prices", () => {
  it("prices every model in the captured result lines' modelUsage to the cent-fraction Claude Code reported", () => {
    let checked = 0;
    for (const name of ["success-tool-use", "max-turns", "permission-denied"]) {
      const result = JSON.parse(fixtureLines("claude-code", name).at(-1)!);
      for (const [model, u] of Object.entries<Record<string, number>>(result.modelUsage)) {
        const ours = computeCostUsd(
          {
            inputTokens: u.inputTokens!,
            outputTokens: u.outputTokens!,
            cacheReadTokens: u.cacheReadInputTokens!,
            cacheWriteTokens: u.cacheCreationInputTokens!,
          },
          model,
        );
        expect(ours.priced).toBe(true);
        expect(ours.costUsd).toBeCloseTo(u.costUSD!, 6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
