// The BullMQ worker of the "maestro-runs" queue.
//
// Lock and stall settings (MAESTRO_LOCK_DURATION_MS, MAESTRO_STALLED_INTERVAL_MS): a run holds its job's
// lock, renewed every lockDuration/2 by the live process. A SIGKILLed worker stops renewing; after
// lockDuration (default 30 s) the lock is gone, and the next stalled check of any worker (every
// stalledInterval, default 15 s) moves the job back to waiting, so
// another worker resumes it from the pushed commits within about 45 s. maxStalledCount 2 lets a run
// survive two such deaths before BullMQ fails it. Runs are long (minutes): these values only bound
// how fast a dead worker's run is picked up, not how long a run may take.
import { Worker, type ConnectionOptions } from "bullmq";
import type { Redis } from "ioredis";
import { loadEnvConfig } from "../config/env.js";
import { createRedis } from "../queue/connection.js";
import { QUEUE_NAME, resolvePrefix } from "../queue/names.js";
import { RedisRunLogStore } from "../runlog/redis-store.js";
import type { WorkerDeps } from "./deps.js";
import { createRunProcessor, type RunJobResult } from "./processor.js";
import { pruneOrphanWorktrees } from "./prune-orphans.js";

export const DEFAULT_MAX_STALLED_COUNT = 2;
/**
 * On close, runs in progress get this long to finish; then their agents are stopped and the runs
 * are handed over (resumed by another worker once their locks lapse).
 */
export const DEFAULT_CLOSE_GRACE_MS = 60_000;
/** How long a stop waits for the worker's Redis clients to finish connecting before it closes them. */
const READY_WAIT_ON_CLOSE_MS = 10_000;

export interface StartWorkerOptions {
  env: NodeJS.ProcessEnv;
  /** A Redis connection (maxRetriesPerRequest: null); default: one to REDIS_URL. */
  connection?: Redis;
  /** Everything but the store may be given; store defaults to the connection + prefix. */
  deps: Omit<WorkerDeps, "store"> & { store?: WorkerDeps["store"] };
  prefix?: string;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  closeGraceMs?: number;
}

export interface RunningWorker {
  worker: Worker<unknown, RunJobResult>;
  /** Stops taking jobs, waits up to the grace for running ones, then closes connections. */
  close(): Promise<void>;
}

export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  const cfg = loadEnvConfig(opts.env);
  const prefix = opts.prefix ?? resolvePrefix(opts.env);
  const ownConnection = !opts.connection;
  const connection = opts.connection ?? createRedis(cfg.redisUrl, { forWorker: true });
  if (ownConnection) connection.on("error", () => undefined);
  const store = opts.deps.store ?? { redis: connection, prefix };
  // Before taking runs: drop the worktrees of runs whose worker died on this machine.
  try {
    const removed = await pruneOrphanWorktrees(opts.deps.dataDir);
    if (removed.length > 0) opts.deps.log?.info({ removed }, "removed worktrees of dead runs");
  } catch (err) {
    opts.deps.log?.warn({ err: String(err) }, "could not prune orphaned worktrees");
  }
  // Run logs also go to Redis, on this connection, so any serve links them and a run resumed elsewhere keeps one log.
  const runLogStore =
    opts.deps.runLogStore ??
    (cfg.runLogMaxBytes > 0
      ? new RedisRunLogStore(connection, prefix, { ttlSeconds: cfg.runLogTtlDays * 24 * 3600 })
      : undefined);
  const processor = createRunProcessor({
    ...opts.deps,
    store,
    ...(runLogStore
      ? { runLogStore, runLogMaxBytes: opts.deps.runLogMaxBytes ?? (cfg.runLogMaxBytes || undefined) }
      : {}),
  });
  const lockDuration = opts.lockDurationMs ?? cfg.lockDurationMs;
  const worker = new Worker<unknown, RunJobResult>(QUEUE_NAME, processor, {
    // BullMQ duplicates this connection for its blocking client.
    connection: connection as unknown as ConnectionOptions,
    prefix,
    concurrency: opts.concurrency ?? cfg.concurrency,
    lockDuration,
    stalledInterval: opts.stalledIntervalMs ?? cfg.stalledIntervalMs,
    maxStalledCount: opts.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
    autorun: true,
  });
  worker.on("error", (err) => opts.deps.log?.error({ err: String(err) }, "worker error"));

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const grace = opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
      // A BullMQ client closed while it still connects emits an 'error' after close() has dropped
      // every listener, which ends the process (a stop right after start): let them connect first.
      await Promise.race([
        worker.waitUntilReady().catch(() => undefined),
        new Promise((r) => setTimeout(r, READY_WAIT_ON_CLOSE_MS).unref()),
      ]);
      // Take no new jobs, give the running ones the grace to finish.
      await worker.pause(true).catch(() => undefined);
      if (await processor.drain(grace)) {
        await worker.close();
      } else {
        // Past the grace, stop the agents and let go: the runs park, their locks lapse, and another
        // worker resumes them as stalled jobs from the pushed commits.
        await processor.shutdown();
        await worker.close(true).catch(() => undefined);
      }
      await processor.close().catch(() => undefined);
      if (ownConnection) await connection.quit().catch(() => connection.disconnect());
    })());
  return { worker, close };
}
