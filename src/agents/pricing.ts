// Token prices, so a cost cap can act on CLIs that report tokens but no dollars (and on Claude Code before its result line).
import type { ModelPrice, PricingTable, Usage } from "./types.js";

/**
 * USD per million tokens (standard tier, ≤200k-token prompts), as of 2026-11: Anthropic figures match the price table
 * built into Claude Code 2.1.197 (which also prices models newer than the public 2025-11 price pages); OpenAI and
 * Google figures are from their public price pages (2025-11). `cacheRead` = cached input; `cacheWrite` = Anthropic's
 * 5-minute cache write. Repo config `pricing:` overrides/extends this table.
 */
export const DEFAULT_PRICING: PricingTable = {
  // Anthropic
  "claude-mythos-5": { input: 10, output: 50, cacheRead: 1, cacheWrite: 12.5 },
  "claude-fable-5": { input: 10, output: 50, cacheRead: 1, cacheWrite: 12.5 },
  "claude-opus-4-8": { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  "claude-opus-4-7": { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  "claude-opus-4-6": { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  "claude-opus-4-5": { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  "claude-opus-4-1": { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  "claude-opus-4": { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  "claude-sonnet-5": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-sonnet-4-6": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-sonnet-4-5": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-sonnet-4": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-3-7-sonnet": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  // OpenAI
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125 },
  "gpt-5-codex": { input: 1.25, output: 10, cacheRead: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cacheRead: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cacheRead: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cacheRead: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cacheRead: 0.025 },
  o3: { input: 2, output: 8, cacheRead: 0.5 },
  "o4-mini": { input: 1.1, output: 4.4, cacheRead: 0.275 },
  // Google
  "gemini-2.5-pro": { input: 1.25, output: 10, cacheRead: 0.125 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cacheRead: 0.03 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cacheRead: 0.01 },
};

export interface ResolvedPrice {
  /** The table key that matched. */
  key: string;
  price: ModelPrice;
}

/**
 * Finds the price of `model`: exact key, else the longest key that is a prefix of it at a `-`/`.`/`@`/`:`/`[` boundary
 * ("claude-sonnet-4-5-20250929" → "claude-sonnet-4-5"). A provider prefix ("anthropic/…", "models/…") is ignored.
 */
export function resolvePrice(
  model: string | undefined,
  table: PricingTable = DEFAULT_PRICING,
): ResolvedPrice | undefined {
  if (!model) return undefined;
  const candidates = [
    model,
    model.includes("/") ? model.slice(model.lastIndexOf("/") + 1) : undefined,
  ].filter((m): m is string => m !== undefined && m.length > 0);
  for (const name of candidates) {
    const exact = table[name];
    if (exact) return { key: name, price: exact };
  }
  for (const name of candidates) {
    let best: string | undefined;
    for (const key of Object.keys(table)) {
      if (!name.startsWith(key)) continue;
      const next = name.charAt(key.length);
      if (!"-.@:[".includes(next) || next === "") continue;
      if (best === undefined || key.length > best.length) best = key;
    }
    if (best !== undefined) return { key: best, price: table[best]! };
  }
  return undefined;
}

/** The price of `model` in the built-in table extended by the repo's `pricing`; undefined when it has none. */
export function priceOf(model: string, extraPricing?: PricingTable): ResolvedPrice | undefined {
  return resolvePrice(model, extraPricing ? { ...DEFAULT_PRICING, ...extraPricing } : DEFAULT_PRICING);
}

/** Agents whose CLI reports its own cost (Claude Code's total_cost_usd): no table price is needed for them. */
export function agentReportsItsCost(agent: string): boolean {
  return agent === "claude-code";
}

export type TokenCounts = Pick<
  Usage,
  "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheWriteTokens"
>;

export interface CostResult {
  costUsd: number;
  /** False when the model is not in the table: cost is 0 and the caller should warn. */
  priced: boolean;
  key?: string;
}

/**
 * Cost of `usage` for `model`. `inputTokens` is uncached input (cache reads and writes are counted separately);
 * a price without cacheRead/cacheWrite charges those at the input price. `extraPricing` (repo config) wins over defaults.
 */
export function computeCostUsd(
  usage: TokenCounts,
  model: string | undefined,
  extraPricing?: PricingTable,
): CostResult {
  const resolved = model ? priceOf(model, extraPricing) : undefined;
  if (!resolved) return { costUsd: 0, priced: false };
  const p = resolved.price;
  const cost =
    (usage.inputTokens * p.input +
      usage.outputTokens * p.output +
      usage.cacheReadTokens * (p.cacheRead ?? p.input) +
      usage.cacheWriteTokens * (p.cacheWrite ?? p.input)) /
    1_000_000;
  return { costUsd: roundUsd(cost), priced: true, key: resolved.key };
}

/** Rounds to a millionth of a dollar so sums of many small costs stay readable. */
export function roundUsd(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
}

/** Tokens one model used in a session, with the CLI's own cost for them when it reported one. */
export interface UsagePart extends TokenCounts {
  model?: string;
  /** The CLI's own figure: taken as is (the model need not be in the table). */
  reportedCostUsd?: number;
}

/** What a session's parts cost: `priced` is false when tokens of a model without a price were used. */
export function priceParts(
  parts: UsagePart[],
  extraPricing?: PricingTable,
): { costUsd: number; priced: boolean; model?: string } {
  let cost = 0;
  let priced = true;
  const models = new Set<string>();
  for (const p of parts) {
    if (p.model) models.add(p.model);
    if (p.reportedCostUsd !== undefined) {
      cost += p.reportedCostUsd;
      continue;
    }
    const used = p.inputTokens + p.outputTokens + p.cacheReadTokens + p.cacheWriteTokens > 0;
    const c = computeCostUsd(p, p.model, extraPricing);
    cost += c.costUsd;
    if (used && !c.priced) priced = false;
  }
  return { costUsd: roundUsd(cost), priced, ...(models.size > 0 ? { model: [...models].join(", ") } : {}) };
}

/** Sums parts into a session's cumulative Usage (tokens, cost, model names, whether it is priced). */
export function usageOf(parts: UsagePart[], extraPricing?: PricingTable): Usage {
  const u = emptyUsage();
  for (const p of parts) {
    u.inputTokens += p.inputTokens;
    u.outputTokens += p.outputTokens;
    u.cacheReadTokens += p.cacheReadTokens;
    u.cacheWriteTokens += p.cacheWriteTokens;
  }
  const { costUsd, priced, model } = priceParts(parts, extraPricing);
  return { ...u, costUsd, priced, ...(model ? { model } : {}) };
}

/** How a model is named when the agent did not say which it used. */
export const UNNAMED_MODEL = "(not named by the agent)";

/** The sentence a user sees when tokens were used by a model without a price. */
export function costUnknownMessage(model: string | undefined): string {
  return model
    ? `cost unknown for model ${model}: add it under \`pricing\` in .github/maestro.yml (USD per million tokens)`
    : "cost unknown: the agent did not say which model it used; name one (--model, `model:` in the playbook or .github/maestro.yml) or add its price under `pricing`";
}
