// Cancel signalling (DESIGN §4: the agent is stopped within 10 s). A pub/sub message reaches workers
// at once; the `cancel:<runId>` key covers a worker that subscribes late or was reconnecting.
import type { Redis } from "ioredis";
import type { Store } from "./connection.js";
import type { RunQueue } from "./enqueue.js";
import { keys } from "./keys.js";
import { cancelChannel } from "./names.js";

export const CANCEL_TTL_SECONDS = 24 * 3600;

export interface CancelResult {
  /** The job was still waiting and has been removed: it will never start. */
  removed: boolean;
  /** Subscribers that got the message (0 when no worker is listening; the key still holds it). */
  notified: number;
}

/** States in which a job has not started and can simply be removed. */
const NOT_STARTED = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);

export async function requestCancel(
  store: Store,
  runId: string,
  opts: { queue?: RunQueue } = {},
): Promise<CancelResult> {
  await store.redis.set(keys.cancel(store.prefix, runId), "1", "EX", CANCEL_TTL_SECONDS);
  const notified = Number(await store.redis.publish(cancelChannel(store.prefix), runId));
  let removed = false;
  if (opts.queue) {
    const job = await opts.queue.getJob(runId);
    if (job) {
      const state = await job.getState();
      if (NOT_STARTED.has(state)) {
        try {
          await job.remove();
          removed = true;
        } catch {
          // It was picked up meanwhile (locked): the worker sees the key and the message.
        }
      }
    }
  }
  return { removed, notified };
}

export async function isCancelRequested(store: Store, runId: string): Promise<boolean> {
  return (await store.redis.exists(keys.cancel(store.prefix, runId))) === 1;
}

/**
 * For workers: calls onCancel(runId) for each cancel request. Uses its own connection (a subscribed
 * connection can do nothing else). Returns a function that unsubscribes and closes it.
 */
export async function subscribeCancels(
  store: Store,
  onCancel: (runId: string) => void,
): Promise<() => Promise<void>> {
  const sub: Redis = store.redis.duplicate();
  // While Redis is down ioredis reconnects (and resubscribes) by itself; without a listener each
  // failed attempt is printed as an "Unhandled error event".
  sub.on("error", () => undefined);
  const channel = cancelChannel(store.prefix);
  sub.on("message", (ch: string, message: string) => {
    if (ch !== channel) return;
    try {
      onCancel(message);
    } catch {
      // A listener's bug must not kill the subscription.
    }
  });
  await sub.subscribe(channel);
  return async () => {
    try {
      await sub.unsubscribe(channel);
    } finally {
      sub.disconnect();
    }
  };
}
