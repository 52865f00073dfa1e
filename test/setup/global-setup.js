// Queue tests need a real Redis. We never flush it: each test uses its own BullMQ prefix.
import { Redis } from "ioredis";

export default async function globalSetup() {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${url} (${err instanceof Error ? err.message : String(err)}).\n` +
        `Start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n` +
        `(install it with: apt-get update && apt-get install -y redis-server), or point REDIS_URL at one.`,
    );
  } finally {
    client.disconnect();
  }
}
