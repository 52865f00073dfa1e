// Real Redis for queue tests. Never flush: every test file gets its own prefix and deletes only its keys.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Store } from "../../src/queue/connection.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export function uniquePrefix(label: string): string {
  // Hash-tagged like the production prefix, so resolvePrefix leaves it as it is.
  return `{mtest-${label}-${process.pid}-${randomBytes(4).toString("hex")}}`;
}

export function testStore(label: string): Store & { close(): Promise<void> } {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix(label);
  return {
    redis,
    prefix,
    async close() {
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

/** Deletes the keys under one test prefix (SCAN, never FLUSH*). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (batch.length > 0) await redis.del(...batch);
  } while (cursor !== "0");
}
