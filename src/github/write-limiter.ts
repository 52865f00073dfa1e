// GitHub's write spacing, shared by every Maestro process through Redis.
//
// Probot's Octokit (@octokit/plugin-throttling) spaces the writes of one installation at least 1 s
// apart, and writes that notify people 3 s apart, as GitHub's secondary-rate-limit guidance asks — but
// in memory, per process: N workers would write N× as fast. These two groups take the place of the
// plugin's `write` and `notifications` groups (it reads them from `throttle.write` /
// `throttle.notifications`): a write reserves its installation's next free slot in one Redis key, by
// Redis's clock, and waits for it. Stricter than the plugin's own groups in one respect: the plugin takes
// a write slot, then waits for a notifying write's slot (3 s), so the notifying write went out together
// with a later plain write; here a notifying write that had to wait takes a new write slot with it.
//
// Not Bottleneck's Redis mode (Probot's `redisConfig`, or `Bottleneck.IORedisConnection`): it keys
// outside our prefix (`b_<id>_*`, 5 keys per installation and group), keeps a subscriber connection and
// a heartbeat per installation, uses each host's clock, and waits for Redis without limit when it is
// down at start-up. Here: one key, one script call per write, and when Redis does not answer in time
// the process spaces its own writes, as before.
import type { Redis } from "ioredis";
import type { ProbotOctokit } from "probot";
import { loadEnvConfig } from "../config/env.js";
import { createRedis } from "../queue/connection.js";
import { resolvePrefix } from "../queue/names.js";

/** plugin-throttling's own spacing (its `write` and `notifications` groups' minTime). */
export const WRITE_SPACING_MS = 1000;
export const NOTIFYING_WRITE_SPACING_MS = 3000;

/** The part of a `Bottleneck.Group` the throttling plugin uses for these two groups. */
export interface SpacingGroup {
  key(id?: string): { schedule(...args: unknown[]): Promise<unknown> };
}

export interface WriteLimiter {
  write: SpacingGroup;
  notifications: SpacingGroup;
}

export interface WriteLimiterOptions {
  redis: Redis;
  /** Maestro's key prefix (resolvePrefix); the keys are `<prefix>:github-spacing:<group>:<installation>`. */
  prefix: string;
  /** How long a reservation may take before the process spaces the write by itself; default 2000 ms. */
  redisTimeoutMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

// Slots by Redis's clock (ms). KEYS[1]: the installation's next free write slot; KEYS[2]: its next free
// notifying-write slot. ARGV[1]: write gap; ARGV[2]: notifying gap, 0 for a plain write. Each key lives
// until its slot has passed. Returns how long to wait.
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wgap, ngap = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = now
if ngap > 0 then
  local nfree = tonumber(redis.call('GET', KEYS[2])) or 0
  if nfree > now then start = math.max(nfree, tonumber(redis.call('GET', KEYS[1])) or 0) end
  redis.call('SET', KEYS[2], start + ngap, 'PX', start + ngap - now)
  if start == now then return 0 end
else
  start = math.max(now, tonumber(redis.call('GET', KEYS[1])) or 0)
end
redis.call('SET', KEYS[1], start + wgap, 'PX', start + wgap - now)
return start - now
`;

type ReservingRedis = Redis & {
  maestroReserveGitHubSlot(
    writeKey: string,
    notifyKey: string,
    writeGap: number,
    notifyGap: number,
  ): Promise<number>;
};

export function writeSpacingKey(
  prefix: string,
  group: "write" | "notifications",
  installation: string,
): string {
  return `${prefix}:github-spacing:${group}:${installation}`;
}

export function createWriteLimiter(opts: WriteLimiterOptions): WriteLimiter {
  const redis = opts.redis as ReservingRedis;
  if (typeof redis.maestroReserveGitHubSlot !== "function")
    redis.defineCommand("maestroReserveGitHubSlot", { numberOfKeys: 2, lua: RESERVE_SLOT });
  const timeoutMs = opts.redisTimeoutMs ?? 2000;
  // Fallback when Redis does not answer: this process's own spacing, the same rule in memory.
  const localFree = new Map<string, number>();
  let degraded = false;

  const reserveLocally = (writeKey: string, notifyKey: string, notifyGap: number): number => {
    const now = Date.now();
    if (localFree.size > 10_000) for (const [k, t] of localFree) if (t <= now) localFree.delete(k);
    const free = (k: string) => localFree.get(k) ?? 0;
    let start = now;
    if (notifyGap > 0) {
      if (free(notifyKey) > now) start = Math.max(free(notifyKey), free(writeKey));
      localFree.set(notifyKey, start + notifyGap);
      if (start === now) return 0;
    } else {
      start = Math.max(now, free(writeKey));
    }
    localFree.set(writeKey, start + WRITE_SPACING_MS);
    return start - now;
  };

  // A connection still being made (start-up, a reconnect) gets up to timeoutMs, once for all writes
  // waiting on it; once Redis is known to be away, writes do not wait for it.
  let readyWait: Promise<void> | undefined;
  const connected = (): Promise<void> =>
    (readyWait ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off("ready", done);
        redis.off("end", done);
        readyWait = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      redis.once("ready", done);
      redis.once("end", done);
    }));

  const reserve = async (id: string, notifyGap: number): Promise<number> => {
    const writeKey = writeSpacingKey(opts.prefix, "write", id);
    const notifyKey = writeSpacingKey(opts.prefix, "notifications", id);
    if (redis.status !== "ready" && redis.status !== "end" && !degraded) await connected();
    if (redis.status === "ready") {
      let timer: NodeJS.Timeout | undefined;
      try {
        const wait = await Promise.race([
          redis.maestroReserveGitHubSlot(writeKey, notifyKey, WRITE_SPACING_MS, notifyGap),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        if (degraded) {
          degraded = false;
          opts.log?.warn({ key: writeKey }, "GitHub write spacing is shared through Redis again");
        }
        return Math.max(0, Number(wait) || 0);
      } catch (err) {
        if (!degraded)
          opts.log?.warn(
            { err: (err as Error).message, key: writeKey },
            "Redis did not reserve a GitHub write slot; spacing this process's writes by itself until it does",
          );
      } finally {
        clearTimeout(timer);
      }
    } else if (!degraded) {
      opts.log?.warn(
        { key: writeKey, redis: redis.status },
        "Redis is not connected; spacing this process's GitHub writes by itself",
      );
    }
    degraded = true;
    return reserveLocally(writeKey, notifyKey, notifyGap);
  };

  // The plugin awaits `write` for every write, then `notifications` for one that notifies people.
  const group = (notifyGap: number): SpacingGroup => ({
    key: (id = "") => ({
      // Bottleneck's schedule([options,] fn, ...args).
      async schedule(...args: unknown[]) {
        const [fn, ...rest] = (typeof args[0] === "function" ? args : args.slice(1)) as [
          (...a: unknown[]) => unknown,
          ...unknown[],
        ];
        const wait = await reserve(id, notifyGap);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return fn(...rest);
      },
    }),
  });

  return {
    write: group(0),
    notifications: group(NOTIFYING_WRITE_SPACING_MS),
  };
}

/**
 * `Base` whose clients space their writes with `limiter`. A function default, because Probot merges
 * its own throttle options over plain object defaults; a class whose throttle is off stays off.
 */
export function withWriteLimiter(Base: typeof ProbotOctokit, limiter: WriteLimiter): typeof ProbotOctokit {
  return Base.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object), write: limiter.write, notifications: limiter.notifications },
  })) as typeof ProbotOctokit;
}

/**
 * For a process without a Redis client at hand (`maestro worker`): the limiter on its own fail-fast
 * connection, or undefined when MAESTRO_SHARED_WRITE_LIMIT=0 (Octokit's per-process spacing).
 */
export function openWriteLimiter(
  env: NodeJS.ProcessEnv,
  log?: WriteLimiterOptions["log"],
): { limiter: WriteLimiter; close(): Promise<void> } | undefined {
  const cfg = loadEnvConfig(env);
  if (!cfg.sharedWriteLimit) return undefined;
  const redis = createRedis(cfg.redisUrl);
  // Reported through the limiter's fallback warning; an unhandled 'error' event would crash.
  redis.on("error", () => undefined);
  return {
    limiter: createWriteLimiter({ redis, prefix: resolvePrefix(env), ...(log ? { log } : {}) }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
