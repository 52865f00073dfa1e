import { describe, expect, it } from "@jest/globals";
import { loadEnvConfig } from "../../../src/config/env.js";
import { DEFAULT_PREFIX, resolvePrefix } from "../../../src/queue/names.js";
import { parseRedisUrl } from "../../../src/queue/redis-url.js";

describe("REDIS_URL", () => {
  it("passes redis:// and rediss:// through", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6379/2")).toEqual({
      kind: "url",
      url: "redis://127.0.0.1:6379/2",
    });
  });

  it("reads a Sentinel group: hosts, master name, password, db, TLS", () => {
    const t = parseRedisUrl(
      "rediss+sentinel://:s%40cret@10.0.0.1:26379,[::1],s3:26380/mymaster/3?sentinelPassword=sp",
    );
    expect(t).toEqual({
      kind: "sentinel",
      options: {
        sentinels: [
          { host: "10.0.0.1", port: 26379 },
          { host: "::1", port: 26379 },
          { host: "s3", port: 26380 },
        ],
        name: "mymaster",
        password: "s@cret",
        db: 3,
        sentinelPassword: "sp",
        tls: {},
      },
    });
  });

  it("refuses a Sentinel URL without a master name, showing the expected form", () => {
    expect(() => parseRedisUrl("redis+sentinel://10.0.0.1:26379")).toThrow(/MASTER_NAME/);
    expect(() => loadEnvConfig({ REDIS_URL: "redis+sentinel://10.0.0.1:26379" })).toThrow(/Sentinel group/);
    expect(loadEnvConfig({ REDIS_URL: "redis+sentinel://a:26379,b:26379/m" }).redisUrl).toBe(
      "redis+sentinel://a:26379,b:26379/m",
    );
  });
});

describe("key prefix", () => {
  it("always carries a Redis Cluster hash tag", () => {
    expect(DEFAULT_PREFIX).toBe("{maestro}");
    expect(resolvePrefix({})).toBe("{maestro}");
    expect(resolvePrefix({ MAESTRO_REDIS_PREFIX: "acme" })).toBe("{acme}");
    expect(resolvePrefix({ MAESTRO_REDIS_PREFIX: "{acme}:prod" })).toBe("{acme}:prod");
  });
});
