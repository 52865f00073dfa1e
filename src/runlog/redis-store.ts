// The run-log store on Redis Streams (issue 14, DESIGN §7): one stream per run, `<prefix>:runlog:<runId>`, one
// entry per event (field `e`: the event's JSONL line), so every `serve` and `worker` sharing the Redis sees one log
// whichever host wrote (or resumed) the run.
//
// Entry ids are `1-<seq>` rather than Redis's clock: Redis then refuses an event whose seq is not above the last one
// stored, so a batch sent again after a lost reply (or by a worker that lost its run and does not know it yet) adds
// nothing twice, and the stream stays in seq order with no duplicates. Appends are one MULTI (all the batch's XADDs,
// the byte counter `<key>:bytes`, and the retention EXPIRE on both), so a worker killed mid-append leaves whole
// batches. Each follower (a live page) blocks in XREAD on a connection of its own, closed when it stops.
import type { Redis } from "ioredis";
import type { RunEvent } from "./events.js";
import type { RunLogStore, RunLogTail, StoredRunEvent } from "./store.js";

/** Retention of a run's log in Redis: the lifetime of the signed link to it (RUN_LOG_LINK_TTL_SECONDS). */
export const DEFAULT_RUN_LOG_TTL_DAYS = 30;
/** Live followers one process serves at once (each holds a Redis connection while it waits). */
export const DEFAULT_MAX_FOLLOWERS = 100;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const FIELD = "e";
/** CLIENT LIST shows followers' connections under this name. */
export const FOLLOWER_CONNECTION_NAME = "maestro-runlog-follower";

export interface RedisRunLogStoreOptions {
  /** Seconds a run's log is kept after its last append (MAESTRO_RUN_LOG_TTL_DAYS). Default 30 days. */
  ttlSeconds?: number;
  /** Most followers at once; one more is refused with RunLogFollowLimitError. Default 100. */
  maxFollowers?: number;
  /** How long one XREAD of a follower blocks before it asks again, ms. Default 30000. */
  blockMs?: number;
  /** Pause before a follower asks again after a Redis error, ms. Default 1000. */
  retryMs?: number;
}

/** Too many followers at once: the caller answers "busy" (503) rather than opening yet another connection. */
export class RunLogFollowLimitError extends Error {
  constructor(limit: number) {
    super(`too many live run-log followers (${limit}): try again in a moment`);
    this.name = "RunLogFollowLimitError";
  }
}

export class RedisRunLogStore implements RunLogStore {
  private readonly ttlSeconds: number;
  private readonly maxFollowers: number;
  private readonly blockMs: number;
  private readonly retryMs: number;
  private followers = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: RedisRunLogStoreOptions = {},
  ) {
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_RUN_LOG_TTL_DAYS * 24 * 3600;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1)
      throw new Error(`RedisRunLogStore: ttlSeconds must be a whole number ≥ 1, got ${this.ttlSeconds}`);
    this.maxFollowers = opts.maxFollowers ?? DEFAULT_MAX_FOLLOWERS;
    this.blockMs = opts.blockMs ?? 30_000;
    this.retryMs = opts.retryMs ?? 1000;
  }

  /** The stream of a run's events. */
  key(runId: string): string {
    if (!RUN_ID.test(runId) || runId.includes(".."))
      throw new Error(`Invalid run id ${JSON.stringify(runId)}: use letters, digits, '.', '_' and '-' only.`);
    return `${this.prefix}:runlog:${runId}`;
  }

  /** Followers open now. */
  get activeFollowers(): number {
    return this.followers;
  }

  async append(runId: string, events: RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const key = this.key(runId);
    const tx = this.redis.multi();
    let bytes = 0;
    for (const e of events) {
      const line = JSON.stringify(e);
      bytes += Buffer.byteLength(line) + 1;
      tx.xadd(key, entryId(e.seq), FIELD, line);
    }
    tx.incrby(`${key}:bytes`, bytes);
    tx.expire(key, this.ttlSeconds);
    tx.expire(`${key}:bytes`, this.ttlSeconds);
    const results = await tx.exec();
    if (!results) throw new Error(`run-log append for ${runId}: the transaction was discarded`);
    for (const [err] of results) {
      // Already stored (a batch sent again after a lost reply): nothing to do.
      if (err && !/equal or smaller than the target stream top item/i.test(err.message)) throw err;
    }
  }

  async read(runId: string, opts: { after?: string; count?: number } = {}): Promise<StoredRunEvent[]> {
    const key = this.key(runId);
    const start = opts.after === undefined ? "-" : `(${checkId(opts.after)}`;
    const raw =
      opts.count !== undefined
        ? await this.redis.xrange(key, start, "+", "COUNT", checkCount(opts.count))
        : await this.redis.xrange(key, start, "+");
    return toStored(raw);
  }

  async *follow(
    runId: string,
    after: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<StoredRunEvent> {
    const key = this.key(runId);
    let last = after === undefined ? "0-0" : checkId(after);
    if (signal.aborted) return;
    if (this.followers >= this.maxFollowers) throw new RunLogFollowLimitError(this.maxFollowers);
    this.followers += 1;
    // A blocked XREAD holds its connection: each follower gets its own, never the shared one.
    const conn = this.redis.duplicate({
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      connectionName: FOLLOWER_CONNECTION_NAME,
    });
    conn.on("error", () => undefined);
    let closed = false;
    // Once only: a second disconnect() leaves ioredis's force-close timer holding the process for 2 s.
    const stop = () => {
      if (closed) return;
      closed = true;
      conn.disconnect();
    };
    signal.addEventListener("abort", stop, { once: true });
    // An abort ends a blocked read at once, whatever state the connection is in (still connecting, say).
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener("abort", () => reject(new Error("follow aborted")), { once: true }),
    );
    aborted.catch(() => undefined);
    try {
      while (!signal.aborted) {
        let reply: [string, [string, string[]][]][] | null;
        try {
          reply = (await Promise.race([
            conn.xread("COUNT", 500, "BLOCK", this.blockMs, "STREAMS", key, last),
            aborted,
          ])) as typeof reply;
        } catch {
          if (signal.aborted) return;
          await pause(this.retryMs, signal);
          continue;
        }
        for (const [, entries] of reply ?? []) {
          for (const stored of toStored(entries)) {
            last = stored.id;
            yield stored;
            if (signal.aborted) return;
          }
          // An entry that did not parse is passed over, not read again.
          const tail = entries.at(-1);
          if (tail) last = tail[0];
        }
      }
    } finally {
      signal.removeEventListener("abort", stop);
      this.followers -= 1;
      stop();
    }
  }

  async lastSeq(runId: string): Promise<number> {
    const raw = await this.redis.xrevrange(this.key(runId), "+", "-", "COUNT", 1);
    return toStored(raw)[0]?.event.seq ?? -1;
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(runId))) === 1;
  }

  async tail(runId: string): Promise<RunLogTail> {
    const key = this.key(runId);
    const results = await this.redis.multi().xrevrange(key, "+", "-", "COUNT", 1).get(`${key}:bytes`).exec();
    if (!results) throw new Error(`run-log tail of ${runId}: the transaction was discarded`);
    const [[e1, raw], [e2, bytes]] = results as [
      [Error | null, [string, string[]][]],
      [Error | null, string | null],
    ];
    if (e1) throw e1;
    if (e2) throw e2;
    const last = toStored(raw)[0]?.event;
    return {
      seq: last?.seq ?? -1,
      bytes: last ? Number(bytes ?? 0) || 0 : 0,
      truncated: last?.type === "log.truncated",
    };
  }
}

function entryId(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`run-log event without a valid seq: ${seq}`);
  return `1-${seq}`;
}

function checkId(id: string): string {
  if (!STREAM_ID.test(id))
    throw new Error(`Invalid run-log position ${JSON.stringify(id)}: expected "<n>-<n>"`);
  return id;
}

function checkCount(n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`run-log read: count must be a whole number ≥ 1, got ${n}`);
  return n;
}

/** Entries as events; one that is not JSON (nothing Maestro writes) is left out. */
function toStored(entries: [string, string[]][]): StoredRunEvent[] {
  const out: StoredRunEvent[] = [];
  for (const [id, fields] of entries) {
    const i = fields.indexOf(FIELD);
    const line = i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
    if (line === undefined) continue;
    try {
      // The writer validated every event before it was stored; parsing again would cost the route ~10 µs a line.
      out.push({ id, event: JSON.parse(line) as RunEvent });
    } catch {
      // skip
    }
  }
  return out;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
