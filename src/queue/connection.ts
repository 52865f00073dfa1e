// ioredis connections. Workers (and BullMQ blocking clients) need maxRetriesPerRequest: null,
// or a Redis blip makes BullMQ throw instead of waiting.
import { Redis, type RedisOptions } from "ioredis";
import { parseRedisUrl } from "./redis-url.js";

export interface CreateRedisOptions {
  /** A connection for a BullMQ Worker or a subscriber: retries requests forever. */
  forWorker?: boolean;
  /** Extra ioredis options (tests, TLS). */
  options?: RedisOptions;
}

export function createRedis(url: string, opts: CreateRedisOptions = {}): Redis {
  const base: RedisOptions = opts.forWorker
    ? { maxRetriesPerRequest: null, enableReadyCheck: false }
    : // The webhook path must answer within 10 s: fail fast instead of queueing commands forever.
      { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 5000 };
  const target = parseRedisUrl(url);
  return target.kind === "url"
    ? new Redis(target.url, { ...base, ...opts.options })
    : new Redis({ ...target.options, ...base, ...opts.options });
}

/** Maestro's own keys live next to BullMQ's, under the same prefix. */
export interface Store {
  redis: Redis;
  prefix: string;
}
