// What RunLogWriter hands to the shared run-log store (issue 14): events go out in order, in batches, one append
// at a time, while the run goes on. A store that fails is retried with backoff; one that does not answer (Redis
// down: a worker's connection queues commands until it is back) lets events pile up only to a bound, and the
// writer then marks the log (`log.truncated`) and stops sending: the run never waits for the store, and the
// local file keeps every event.
import type { RunEvent } from "./events.js";
import type { RunLogStore } from "./store.js";

/** Most bytes of events waiting for the store (an outage) per run, in memory. */
export const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** How long close() waits for the store to take what is still waiting. */
export const DEFAULT_STORE_CLOSE_TIMEOUT_MS = 10_000;
const BATCH_EVENTS = 256;
const BATCH_BYTES = 512 * 1024;

export interface StoreQueueLog {
  warn(obj: object, msg?: string): void;
}

export interface StoreQueueOptions {
  store: RunLogStore;
  runId: string;
  /** Bytes of the run's log the store may hold (MAESTRO_RUN_LOG_MAX_MB). */
  maxBytes: number;
  /** Bytes the store already holds for the run (a resumed run). */
  storedBytes: number;
  maxPendingBytes: number;
  log?: StoreQueueLog;
  /** Backoff after a failed append, ms: min(first × 2^(n-1), max). Default 250 and 5000. */
  retryMs?: { first: number; max: number };
}

export type Overflow = "size_limit" | "store_unavailable";

export class StoreQueue {
  /** False once the store takes no more of this writer's events (after the marker). */
  accepting = true;
  private readonly pending: { event: RunEvent; bytes: number }[] = [];
  private pendingBytes = 0;
  /** Bytes stored or on their way: what counts against maxBytes. */
  private acceptedBytes: number;
  private pumping = false;
  private abandoned = false;
  private failures = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: StoreQueueOptions) {
    this.acceptedBytes = opts.storedBytes;
  }

  get storedOrSent(): number {
    return this.acceptedBytes;
  }

  get limits(): { maxBytes: number; maxPendingBytes: number } {
    return { maxBytes: this.opts.maxBytes, maxPendingBytes: this.opts.maxPendingBytes };
  }

  /** Whether an event of `bytes` would pass a limit (the writer then sends a marker instead, and stops). */
  overflow(bytes: number): Overflow | null {
    if (this.acceptedBytes + bytes > this.opts.maxBytes) return "size_limit";
    if (this.pendingBytes + bytes > this.opts.maxPendingBytes) return "store_unavailable";
    return null;
  }

  push(event: RunEvent, bytes: number): void {
    if (!this.accepting || this.abandoned) return;
    this.pending.push({ event, bytes });
    this.pendingBytes += bytes;
    this.acceptedBytes += bytes;
    void this.pump();
  }

  /** Resolves true once everything pushed is stored, false after timeoutMs. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (!this.pumping && this.pending.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<true>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([idle, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits up to timeoutMs for the store, then gives up on what is left (logged). */
  async close(timeoutMs: number): Promise<void> {
    this.accepting = false;
    const done = await this.flush(timeoutMs);
    if (!done) {
      this.abandoned = true;
      this.opts.log?.warn(
        { runId: this.opts.runId, events: this.pending.length, bytes: this.pendingBytes },
        "run log: the shared store did not take the last events in time; they are only in the local file",
      );
      this.pending.length = 0;
      this.pendingBytes = 0;
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.pending.length > 0 && !this.abandoned) {
        let n = 0;
        let size = 0;
        while (n < this.pending.length && n < BATCH_EVENTS && (n === 0 || size < BATCH_BYTES))
          size += this.pending[n++]!.bytes;
        const batch = this.pending.slice(0, n);
        try {
          await this.opts.store.append(
            this.opts.runId,
            batch.map((b) => b.event),
          );
        } catch (err) {
          if (this.abandoned) break;
          this.failures += 1;
          if (this.failures === 1)
            this.opts.log?.warn(
              { runId: this.opts.runId, err: err instanceof Error ? err.message : String(err) },
              "run log: the shared store refused events; retrying (the local file has them)",
            );
          const { first, max } = this.opts.retryMs ?? { first: 250, max: 5000 };
          await new Promise((r) => setTimeout(r, Math.min(first * 2 ** (this.failures - 1), max)).unref());
          continue;
        }
        if (this.abandoned) break;
        if (this.failures > 0)
          this.opts.log?.warn({ runId: this.opts.runId }, "run log: the shared store takes events again");
        this.failures = 0;
        // The head of the queue is still the batch: nothing but this loop removes from it (close() only once
        // it gave up, and then the loop stops).
        this.pending.splice(0, n);
        this.pendingBytes -= size;
      }
    } finally {
      this.pumping = false;
      if (this.pending.length === 0 || this.abandoned) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
