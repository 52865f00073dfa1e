// Run-wide cost and tokens: finished sessions are settled, the live session is cumulative and replaced as it grows.
import { roundUsd, UNNAMED_MODEL } from "../agents/pricing.js";
import type { Usage } from "../agents/types.js";
import type { Tokens } from "../runlog/events.js";

const ZERO: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };

export class CostTracker {
  private settled: Usage = { ...ZERO };
  private live: Usage = { ...ZERO };
  private readonly unpriced = new Set<string>();

  constructor(private readonly maxCostUsd?: number) {}

  /** Replace the live session's cumulative usage; returns true when the run's cap is now crossed. */
  updateLive(usage: Usage): boolean {
    this.live = { ...usage };
    this.notePricing(usage);
    return this.overCap();
  }

  /** Records a model whose tokens have no price; true when it is new to this run. */
  notePricing(usage: Pick<Usage, "priced" | "model">): boolean {
    if (usage.priced !== false) return false;
    const model = usage.model ?? UNNAMED_MODEL;
    if (this.unpriced.has(model)) return false;
    this.unpriced.add(model);
    return true;
  }

  /** Models this run used without a price: its cost is a lower bound, not a total. */
  get unpricedModels(): string[] {
    return [...this.unpriced];
  }

  /** A cap is set: a cost it cannot measure must stop the run, not count as $0. */
  get capped(): boolean {
    return this.maxCostUsd !== undefined;
  }

  /** Close the live session with its final usage; returns that session's cost. */
  settle(final?: Usage): number {
    const u = final && final.costUsd >= this.live.costUsd ? final : this.live;
    if (final) this.notePricing(final);
    this.settled = add(this.settled, u);
    this.live = { ...ZERO };
    return u.costUsd;
  }

  get costUsd(): number {
    return roundUsd(this.settled.costUsd + this.live.costUsd);
  }

  get tokens(): Tokens {
    const t = add(this.settled, this.live);
    return {
      input: t.inputTokens,
      output: t.outputTokens,
      cacheRead: t.cacheReadTokens,
      cacheWrite: t.cacheWriteTokens,
    };
  }

  overCap(): boolean {
    return this.maxCostUsd !== undefined && this.costUsd >= this.maxCostUsd;
  }
}

function add(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: a.costUsd + b.costUsd,
  };
}
