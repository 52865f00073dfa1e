// Per-repo caps (DESIGN §5 limits): the daily cost ledger (checked at enqueue and at run start) and the
// running-run slots (taken by the worker: a run over maxConcurrentRuns waits, it is not refused).
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

export interface RepoSpend {
  /** `owner/name`, lower-cased (as the ledger keys it). */
  repo: string;
  usd: number;
}

/**
 * Every repository's spend on one UTC day (the ledger keeps three), most first: read from the ledger keys
 * themselves with SCAN (never KEYS), so it costs a walk of the keyspace in steps of 1000 — fine for an
 * operator's page, not for a hot path.
 */
export async function spendByRepo(store: Store, date: Date = new Date()): Promise<RepoSpend[]> {
  const day = utcDay(date);
  const head = keys.cost(store.prefix, "", "").slice(0, -1); // `<prefix>:cost:`
  const tail = `:${day}`;
  const pattern = `${globEscape(head)}*${globEscape(tail)}`;
  const found = new Set<string>();
  let cursor = "0";
  do {
    const [next, batch] = await store.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    for (const k of batch) found.add(k);
  } while (cursor !== "0");
  const names = [...found].filter(
    (k) => k.startsWith(head) && k.endsWith(tail) && k.length > head.length + tail.length,
  );
  if (names.length === 0) return [];
  const values = await store.redis.mget(...names);
  const out: RepoSpend[] = [];
  names.forEach((k, i) => {
    const usd = Number(values[i]);
    if (values[i] !== null && Number.isFinite(usd))
      out.push({ repo: k.slice(head.length, -tail.length), usd });
  });
  return out.sort((a, b) => b.usd - a.usd || a.repo.localeCompare(b.repo));
}

/** A literal for a Redis MATCH pattern (prefixes may hold `[`, `*`, `?` or `\`). */
function globEscape(s: string): string {
  return s.replace(/[\\*?[\]]/g, "\\$&");
}

/**
 * Running runs per repo: a sorted set scored by the time the slot was taken. Entries older than
 * maxAgeMs are ignored and pruned, so a worker that died without releasing cannot hold a slot forever.
 */
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

// Atomic across workers: prune stale entries; a run that already holds a slot (resumed after a crash,
// retried) keeps it; otherwise take one only below the cap. Returns [taken 0|1, running count].
const ACQUIRE_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return {1, redis.call('ZCARD', KEYS[1])}
end
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[4]) then return {0, n} end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, n + 1}
`;

export interface SlotResult {
  taken: boolean;
  /** Runs of the repo holding a slot after the call (this one included when taken). */
  running: number;
}

/** Takes one of the repo's maxConcurrentRuns slots for runId, or says how many are running. */
export async function acquireRunSlot(
  store: Store,
  repo: RepoRef,
  runId: string,
  opts: { maxConcurrentRuns: number; maxAgeMs: number; now?: Date },
): Promise<SlotResult> {
  const now = (opts.now ?? new Date()).getTime();
  const res = (await store.redis.eval(
    ACQUIRE_SLOT,
    1,
    keys.active(store.prefix, repoKey(repo)),
    runId,
    String(now),
    String(now - opts.maxAgeMs),
    String(opts.maxConcurrentRuns),
    String(LEDGER_TTL_SECONDS),
  )) as [number, number];
  return { taken: res[0] === 1, running: res[1] };
}

/** How long a slot may be held before it counts as abandoned: twice the run timeout, at least a day. */
export function slotMaxAgeMs(runTimeoutMinutes: number): number {
  return Math.max(24 * 3600_000, 2 * runTimeoutMinutes * 60_000);
}

/** null while the repo's daily budget has room; else a refusal that gives the numbers and what to do. */
export async function checkDailyBudget(
  store: Store,
  repo: RepoRef,
  dailyBudgetUsd: number,
  now: Date = new Date(),
): Promise<string | null> {
  const spent = await spentToday(store, repo, now);
  if (spent < dailyBudgetUsd) return null;
  return (
    `The daily budget of this repository is used up: $${usd(spent)} spent today (UTC) of $${usd(dailyBudgetUsd)} ` +
    `(\`limits.dailyBudgetUsd\` in \`.github/maestro.yml\`). Try again after midnight UTC or raise the budget.`
  );
}

function usd(n: number): string {
  return n.toFixed(2);
}
