// Per-repo caps checked at enqueue (DESIGN §5 limits): daily cost ledger and active runs.
import type { Store } from "./connection.js";
import { keys, repoKey } from "./keys.js";

type RepoRef = { owner: string; name: string };

/** UTC day, YYYY-MM-DD: budgets reset at midnight UTC. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const LEDGER_TTL_SECONDS = 3 * 24 * 3600;

/** Adds a run's cost to the repo's ledger for that day; returns the new total. */
export async function addCost(
  store: Store,
  repo: RepoRef,
  usd: number,
  date: Date = new Date(),
): Promise<number> {
  if (!Number.isFinite(usd) || usd < 0)
    throw new Error(`addCost: cost must be a non-negative number of USD, got ${String(usd)}`);
  const key = keys.cost(store.prefix, repoKey(repo), utcDay(date));
  const res = await store.redis.multi().incrbyfloat(key, usd).expire(key, LEDGER_TTL_SECONDS).exec();
  return Number(res?.[0]?.[1] ?? 0);
}

export async function spentToday(store: Store, repo: RepoRef, date: Date = new Date()): Promise<number> {
  const v = await store.redis.get(keys.cost(store.prefix, repoKey(repo), utcDay(date)));
  return v === null ? 0 : Number(v);
}

/**
 * Active runs (queued or running) per repo: a sorted set scored by start time. Entries older than
 * maxAgeMs are ignored and pruned, so a crashed worker cannot hold a slot forever.
 */
export async function markRunActive(
  store: Store,
  repo: RepoRef,
  runId: string,
  now: Date = new Date(),
): Promise<void> {
  const key = keys.active(store.prefix, repoKey(repo));
  await store.redis.multi().zadd(key, now.getTime(), runId).expire(key, LEDGER_TTL_SECONDS).exec();
}

export async function markRunInactive(store: Store, repo: RepoRef, runId: string): Promise<void> {
  await store.redis.zrem(keys.active(store.prefix, repoKey(repo)), runId);
}

export async function activeRunCount(
  store: Store,
  repo: RepoRef,
  maxAgeMs: number,
  now: Date = new Date(),
): Promise<number> {
  const key = keys.active(store.prefix, repoKey(repo));
  const oldest = now.getTime() - maxAgeMs;
  await store.redis.zremrangebyscore(key, "-inf", `(${oldest}`);
  return store.redis.zcard(key);
}

export interface CapsInput {
  repo: RepoRef;
  limits: { dailyBudgetUsd: number; maxConcurrentRuns: number; runTimeoutMinutes: number };
  now?: Date;
}

/** null when a new run may start; else a refusal that gives the numbers and what to do. */
export async function checkCaps(store: Store, input: CapsInput): Promise<string | null> {
  const now = input.now ?? new Date();
  const { limits } = input;
  const spent = await spentToday(store, input.repo, now);
  if (spent >= limits.dailyBudgetUsd) {
    return (
      `The daily budget of this repository is used up: $${usd(spent)} spent today (UTC) of $${usd(limits.dailyBudgetUsd)} ` +
      `(\`limits.dailyBudgetUsd\` in \`.github/maestro.yml\`). Try again after midnight UTC or raise the budget.`
    );
  }
  // A queued run may wait, then run for up to runTimeoutMinutes: count it for twice that, at least a day.
  const maxAgeMs = Math.max(24 * 3600_000, 2 * limits.runTimeoutMinutes * 60_000);
  const active = await activeRunCount(store, input.repo, maxAgeMs, now);
  if (active >= limits.maxConcurrentRuns) {
    return (
      `This repository already has ${active} run(s) queued or running, the most allowed ` +
      `(\`limits.maxConcurrentRuns\`: ${limits.maxConcurrentRuns}). Wait for one to finish or cancel one with \`/maestro cancel RUN\`, then try again.`
    );
  }
  return null;
}

function usd(n: number): string {
  return n.toFixed(2);
}
