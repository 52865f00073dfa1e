// Redis: reachable, and set up so BullMQ keeps what it is given: no eviction (maxmemory-policy noeviction),
// and persistence so a restart does not lose the queue.
import type { Redis } from "ioredis";
import { errorText, hideUrlCredentials, needed, type CheckResult, type DoctorContext } from "./check.js";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** INFO text → its fields. */
function infoFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** Three results: reachable (and its version), eviction policy, persistence. Only the first when unreachable. */
export async function checkRedis(ctx: DoctorContext): Promise<CheckResult[]> {
  const url = ctx.env.REDIS_URL?.trim() || DEFAULT_REDIS_URL;
  const shown = hideUrlCredentials(url);
  // Loaded here only: ioredis is heavy, and doctor may be run where no Redis is wanted.
  const { createRedis } = await import("../../queue/connection.js");
  let redis: Redis;
  try {
    redis = createRedis(url, {
      options: {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 3000,
        enableOfflineQueue: true,
      },
    });
  } catch (err) {
    return [
      {
        name: "Redis",
        status: "fail",
        detail: `REDIS_URL cannot be used (${errorText(err)})`,
        fix: "set REDIS_URL to redis://[:password@]host:6379[/db], rediss://… for TLS, or redis+sentinel://host:26379,…/MASTER",
      },
    ];
  }
  let lastError: Error | undefined; // the cause (ECONNREFUSED, WRONGPASS…): connect() only says "Connection is closed."
  redis.on("error", (err: Error) => (lastError = err));
  try {
    await redis.connect();
    const server = infoFields(await redis.info("server"));
    const memory = infoFields(await redis.info("memory"));
    const persistence = infoFields(await redis.info("persistence"));
    const version = server.redis_version ?? server.valkey_version ?? "?";
    const results: CheckResult[] = [reachable(shown, version)];
    results.push(evictionCheck(memory));
    results.push(await persistenceCheck(redis, persistence));
    return results;
  } catch (err) {
    return [
      {
        name: "Redis",
        status: needed(ctx),
        detail: `${shown} does not answer (${lastError ? errorText(lastError) : errorText(err)}); serve and worker need it, \`maestro run\` does not`,
        fix: "start Redis (Debian/Ubuntu: `apt-get install redis-server`; Docker: `docker run -d -p 6379:6379 redis:7`) or point REDIS_URL at yours, with its password if it has one",
      },
    ];
  } finally {
    // disconnect() on a client that already ended (connection refused) keeps the process alive ≈ 2 s.
    if (redis.status !== "end") redis.disconnect();
  }
}

function reachable(shown: string, version: string): CheckResult {
  const major = Number(version.split(".")[0]);
  if (Number.isFinite(major) && major < 5) {
    return {
      name: "Redis",
      status: "fail",
      detail: `${shown} is Redis ${version}; BullMQ needs 5 or newer (6.2+ recommended)`,
      fix: "upgrade Redis to 6.2 or newer (7 is what Maestro is tested with)",
    };
  }
  return { name: "Redis", status: "ok", detail: `${shown} answers (Redis ${version})` };
}

function evictionCheck(memory: Record<string, string>): CheckResult {
  const policy = memory.maxmemory_policy ?? "unknown";
  const limit = memory.maxmemory_human ?? memory.maxmemory ?? "?";
  if (policy === "noeviction")
    return { name: "Redis eviction", status: "ok", detail: "maxmemory-policy noeviction" };
  return {
    name: "Redis eviction",
    status: "fail",
    detail: `maxmemory-policy is ${policy} (maxmemory ${limit}): under memory pressure Redis deletes keys, and BullMQ's queued runs and locks are keys: runs would vanish or run twice`,
    fix: "set maxmemory-policy noeviction: `redis-cli CONFIG SET maxmemory-policy noeviction` now and `maxmemory-policy noeviction` in redis.conf (managed Redis: its parameter group) so it survives a restart",
  };
}

async function persistenceCheck(redis: Redis, info: Record<string, string>): Promise<CheckResult> {
  const aof = info.aof_enabled === "1";
  let save: string | undefined;
  try {
    const reply = (await redis.config("GET", "save")) as string[];
    save = reply[1] ?? "";
  } catch {
    save = undefined; // CONFIG disabled (managed Redis): RDB settings unknown
  }
  if (aof) return { name: "Redis persistence", status: "ok", detail: "append-only file on" };
  const fix =
    "turn on the append-only file: `redis-cli CONFIG SET appendonly yes` and `appendonly yes` in redis.conf (managed Redis: enable AOF/persistence in its settings)";
  if (save === undefined) {
    return {
      name: "Redis persistence",
      status: "warn",
      detail:
        "the append-only file is off and CONFIG is not allowed, so RDB snapshots cannot be checked: a restart may lose queued runs",
      fix,
    };
  }
  if (save.trim() === "") {
    return {
      name: "Redis persistence",
      status: "warn",
      detail: 'no persistence (appendonly no, save ""): a Redis restart loses every queued and running run',
      fix,
    };
  }
  return {
    name: "Redis persistence",
    status: "warn",
    detail: `RDB snapshots only (save ${save}): a crash loses the runs queued since the last snapshot`,
    fix,
  };
}
