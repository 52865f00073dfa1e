// Who creates a run's status comment. The webhook handler posts it after GitHub has its answer, and
// a worker may pick the run up before that: one claim in Redis lets exactly one of them create it,
// and the comment's id is kept here for everyone else.
import type { Store } from "./connection.js";
import { keys } from "./keys.js";

/**
 * How long a claim lives unless its holder renews it (every third of it, while its POST is under way): a
 * poster that died (a SIGKILLed `serve`) holds the comment back for seconds, not minutes.
 */
export const STATUS_CLAIM_TTL_MS = 15_000;
const POSTED_TTL_SECONDS = 90 * 24 * 3600;
const PENDING = "pending";

export type StatusCommentRef =
  { kind: "none" } | { kind: "pending"; ttlMs: number } | { kind: "posted"; id: number };

/** true: the caller creates the comment now (and then saves its id, or releases the claim). */
export async function claimStatusComment(
  store: Store,
  runId: string,
  ttlMs = STATUS_CLAIM_TTL_MS,
): Promise<boolean> {
  const r = await store.redis.set(keys.statusComment(store.prefix, runId), PENDING, "PX", ttlMs, "NX");
  return r === "OK";
}

export async function saveStatusCommentId(store: Store, runId: string, id: number): Promise<void> {
  await store.redis.set(keys.statusComment(store.prefix, runId), String(id), "EX", POSTED_TTL_SECONDS);
}

/** Keeps a claim alive while its holder is still posting; false when it is no longer a pending claim. */
export async function renewStatusClaim(
  store: Store,
  runId: string,
  ttlMs = STATUS_CLAIM_TTL_MS,
): Promise<boolean> {
  const r = await store.redis.eval(
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0",
    1,
    keys.statusComment(store.prefix, runId),
    PENDING,
    String(ttlMs),
  );
  return r === 1;
}

/** Gives an unposted claim back (the POST failed), so the worker creates the comment without waiting. */
export async function releaseStatusComment(store: Store, runId: string): Promise<void> {
  await store.redis.eval(
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
    1,
    keys.statusComment(store.prefix, runId),
    PENDING,
  );
}

export async function readStatusComment(store: Store, runId: string): Promise<StatusCommentRef> {
  const key = keys.statusComment(store.prefix, runId);
  const res = await store.redis.multi().get(key).pttl(key).exec();
  const value = res?.[0]?.[1] as string | null | undefined;
  if (value === null || value === undefined) return { kind: "none" };
  if (value === PENDING) return { kind: "pending", ttlMs: Math.max(0, Number(res?.[1]?.[1] ?? 0)) };
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? { kind: "posted", id } : { kind: "none" };
}
