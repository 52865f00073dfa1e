// Idempotent enqueue (DESIGN §1, TARGETS "same webhook delivered 5 times → exactly 1 run"; DESIGN §11
// "the same GitHub event never starts two runs, whatever its delivery id"). Three guards: SET NX claims
// on the delivery id and on the event itself (its own ids, not the delivery's), both taken before any
// side effect (status comment, reactions), and the job id derived from the delivery id, which BullMQ
// refuses to add twice.
import type { Job, Queue } from "bullmq";
import type { Store } from "./connection.js";
import { runJobSchema, type RunJobData } from "./job-schema.js";
import { keys } from "./keys.js";
import { RUN_JOB_NAME } from "./names.js";

/** GitHub keeps deliveries for redelivery for a few days; a week covers it. */
export const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Claims a webhook delivery. true: first time seen, go ahead. false: a redelivery (or a concurrent
 * duplicate) — do nothing, not even a reaction.
 */
export async function claimDelivery(store: Store, deliveryId: string): Promise<boolean> {
  const r = await store.redis.set(
    keys.delivery(store.prefix, deliveryId),
    "1",
    "EX",
    DELIVERY_TTL_SECONDS,
    "NX",
  );
  return r === "OK";
}

/** Gives a claim back after a failure, so a manual redelivery from GitHub can succeed. */
export async function releaseDelivery(store: Store, deliveryId: string): Promise<void> {
  await store.redis.del(keys.delivery(store.prefix, deliveryId));
}

/**
 * How long an event stays claimed. The signature covers the body, not X-GitHub-Delivery, so a captured
 * body is valid forever under any delivery id: the longer this is, the later a replay is still refused.
 * One small key per command-bearing event.
 */
export const EVENT_TTL_SECONDS = 30 * 24 * 3600;

/** The Redis key of an event claim (`eventKey` is a digest: see src/handlers/event-key.ts). */
export function eventClaimKey(prefix: string, eventKey: string): string {
  return `${prefix}:event:${eventKey}`;
}

/**
 * Claims a GitHub event (a comment, a review, a label added), whatever delivery carries it: the same
 * event sent again under a fresh delivery id (a replayed body) must not start a second run (DESIGN §11).
 * true: first time seen; false: handled already, or being handled, under another delivery.
 */
export async function claimEvent(store: Store, eventKey: string): Promise<boolean> {
  const r = await store.redis.set(eventClaimKey(store.prefix, eventKey), "1", "EX", EVENT_TTL_SECONDS, "NX");
  return r === "OK";
}

/** Gives an event claim back after a failure (with the delivery's), so a redelivery can succeed. */
export async function releaseEvent(store: Store, eventKey: string): Promise<void> {
  await store.redis.del(eventClaimKey(store.prefix, eventKey));
}

export type RunQueue = Queue<RunJobData, unknown, string>;

export interface EnqueueResult {
  created: boolean;
  jobId: string;
  job: Job<RunJobData> | undefined;
}

/**
 * Adds the run job, with jobId = data.runId (derived from the delivery id: see runIdForDelivery).
 * An existing job with that id is returned untouched with created: false.
 */
export const RUN_JOB_ATTEMPTS = 3;

export async function enqueueRun(
  queue: RunQueue,
  data: RunJobData,
  opts: { deliveryId: string },
): Promise<EnqueueResult> {
  if (!opts.deliveryId) throw new Error("enqueueRun needs the webhook delivery id (X-GitHub-Delivery).");
  const parsed = runJobSchema.parse(data);
  const jobId = parsed.runId;
  const existing = await queue.getJob(jobId);
  if (existing) return { created: false, jobId, job: existing };
  const job = await queue.add(RUN_JOB_NAME, parsed, {
    jobId,
    // Keep finished jobs around for `status` and `retry`, but not forever.
    removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
    removeOnFail: { age: 30 * 24 * 3600 },
    // Infrastructure errors (GitHub 5xx, git network) throw and are retried; a retried run resumes
    // from its pushed commits. Run outcomes (failed, cancelled, budget) complete normally: no retry.
    attempts: RUN_JOB_ATTEMPTS,
    backoff: { type: "exponential", delay: 5000 },
  });
  return { created: true, jobId, job };
}
