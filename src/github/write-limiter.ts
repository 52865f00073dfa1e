// GitHub's write spacing, shared by every Maestro process through Redis.
//
// Probot's Octokit (@octokit/plugin-throttling) spaces the writes of one installation at least 1 s
// apart, and writes that notify people 3 s apart, as GitHub's secondary-rate-limit guidance asks — but
// in memory, per process: N workers would write N× as fast. These two groups take the place of the
// plugin's `write` and `notifications` groups (it reads them from `throttle.write` /
// `throttle.notifications`): a write reserves its installation's next free slot in one Redis key, by
// Redis's clock, and waits for it.
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

// Next free slot of an installation, in ms by Redis's clock. The key lives until that slot has passed.
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[1])) or 0
local start = math.max(now, free)
local gap = tonumber(ARGV[1])
redis.call('SET', KEYS[1], start + gap, 'PX', start + gap - now)
return start - now
`;

type ReservingRedis = Redis & { maestroReserveGitHubSlot(key: string, gapMs: number): Promise<number> };

export function writeSpacingKey(prefix: string, group: string, installation: string): string {
  return `${prefix}:github-spacing:${group}:${installation}`;
}

export function createWriteLimiter(opts: WriteLimiterOptions): WriteLimiter {
  const redis = opts.redis as ReservingRedis;
  if (typeof redis.maestroReserveGitHubSlot !== "function")
    redis.defineCommand("maestroReserveGitHubSlot", { numberOfKeys: 1, lua: RESERVE_SLOT });
  const timeoutMs = opts.redisTimeoutMs ?? 2000;
  // Fallback when Redis does not answer: this process's own spacing, as Octokit's in-memory groups do.
  const localFree = new Map<string, number>();
  let degraded = false;

  const reserveLocally = (key: string, gapMs: number): number => {
    const now = Date.now();
    if (localFree.size > 10_000) for (const [k, t] of localFree) if (t <= now) localFree.delete(k);
    const start = Math.max(now, localFree.get(key) ?? 0);
    localFree.set(key, start + gapMs);
    return start - now;
  };

  const reserve = async (key: string, gapMs: number): Promise<number> => {
    if (redis.status === "ready") {
      let timer: NodeJS.Timeout | undefined;
      try {
        const wait = await Promise.race([
          redis.maestroReserveGitHubSlot(key, gapMs),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        if (degraded) {
          degraded = false;
          opts.log?.warn({ key }, "GitHub write spacing is shared through Redis again");
        }
        return Math.max(0, Number(wait) || 0);
      } catch (err) {
        if (!degraded)
          opts.log?.warn(
            { err: (err as Error).message, key },
            "Redis did not reserve a GitHub write slot; spacing this process's writes by itself until it does",
          );
      } finally {
        clearTimeout(timer);
      }
    } else if (!degraded) {
      opts.log?.warn(
        { key, redis: redis.status },
        "Redis is not connected; spacing this process's GitHub writes by itself",
      );
    }
    degraded = true;
    return reserveLocally(key, gapMs);
  };

  const group = (name: string, gapMs: number): SpacingGroup => ({
    key: (id = "") => ({
      // Bottleneck's schedule([options,] fn, ...args).
      async schedule(...args: unknown[]) {
        const [fn, ...rest] = (typeof args[0] === "function" ? args : args.slice(1)) as [
          (...a: unknown[]) => unknown,
          ...unknown[],
        ];
        const wait = await reserve(writeSpacingKey(opts.prefix, name, id), gapMs);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return fn(...rest);
      },
    }),
  });

  return {
    write: group("write", WRITE_SPACING_MS),
    notifications: group("notifications", NOTIFYING_WRITE_SPACING_MS),
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
