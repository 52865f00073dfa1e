// REDIS_URL forms: redis://, rediss:// (one server) and redis+sentinel:// (a Sentinel group):
//   redis+sentinel://[[user]:password@]host1:26379[,host2:26379...]/MASTER_NAME[/DB]
// The password is the Redis master's; Sentinels themselves are reached without one unless
// ?sentinelPassword= is given. rediss+sentinel:// uses TLS to the master.
import type { RedisOptions } from "ioredis";

export type RedisTarget = { kind: "url"; url: string } | { kind: "sentinel"; options: RedisOptions };

const SENTINEL_RE =
  /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/?#]+)\/([^/?#]+)(?:\/(\d+))?\/?(?:\?([^#]*))?$/;

export function isSentinelUrl(url: string): boolean {
  return /^rediss?\+sentinel:\/\//.test(url);
}

/** Parses REDIS_URL; throws an Error that says what is wrong and shows the expected form. */
export function parseRedisUrl(url: string): RedisTarget {
  if (!isSentinelUrl(url)) return { kind: "url", url };
  const m = SENTINEL_RE.exec(url);
  const form = "redis+sentinel://[:password@]host:26379[,host2:26379]/MASTER_NAME[/DB]";
  if (!m) throw new Error(`REDIS_URL is not a valid Sentinel URL; expected ${form}`);
  const [, scheme, auth, hostList, name, db, query] = m;
  const sentinels = hostList!.split(",").map((hp) => {
    const hm = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(hp.trim());
    if (!hm) throw new Error(`REDIS_URL: bad Sentinel address ${JSON.stringify(hp)}; expected ${form}`);
    return { host: hm[1]!.replace(/^\[|\]$/g, ""), port: hm[2] ? Number(hm[2]) : 26379 };
  });
  const options: RedisOptions = { sentinels, name: decodeURIComponent(name!) };
  if (auth) {
    const i = auth.indexOf(":");
    const user = i >= 0 ? auth.slice(0, i) : "";
    const password = i >= 0 ? auth.slice(i + 1) : auth;
    if (user) options.username = decodeURIComponent(user);
    if (password) options.password = decodeURIComponent(password);
  }
  if (db) options.db = Number(db);
  const params = new URLSearchParams(query ?? "");
  const sp = params.get("sentinelPassword");
  if (sp) options.sentinelPassword = sp;
  if (scheme === "rediss") options.tls = {};
  return { kind: "sentinel", options };
}
