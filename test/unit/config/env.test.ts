import { describe, expect, it } from "@jest/globals";
import { resolve } from "node:path";
import { loadEnvConfig } from "../../../src/config/env.js";

function thrown(env: NodeJS.ProcessEnv): string {
  try {
    loadEnvConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected loadEnvConfig to throw");
}

describe("loadEnvConfig", () => {
  it("applies the defaults of DESIGN §10", () => {
    const c = loadEnvConfig({});
    expect(c.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(c.dataDir).toBe(resolve(process.cwd(), ".maestro"));
    expect(c.concurrency).toBe(2);
    expect(c.gheProtocol).toBe("https");
    expect(c.githubHost).toBe("github.com");
    expect(c.publicUrl).toBeUndefined();
    expect(c.logSigningKey).toBeUndefined();
    expect(c.gheHost).toBeUndefined();
    expect(c.gitRemoteUrl("octo-org", "hello.world")).toBe("https://github.com/octo-org/hello.world.git");
  });

  it("reads every variable, treating empty ones as unset", () => {
    const c = loadEnvConfig({
      REDIS_URL: "rediss://user:pw@redis.internal:6380/2",
      MAESTRO_DATA_DIR: "/var/lib/maestro/",
      MAESTRO_CONCURRENCY: " 8 ",
      MAESTRO_PUBLIC_URL: "https://maestro.example.com/",
      MAESTRO_LOG_SIGNING_KEY: "0123456789abcdef0123",
      GHE_HOST: "",
    });
    expect(c).toMatchObject({
      redisUrl: "rediss://user:pw@redis.internal:6380/2",
      dataDir: "/var/lib/maestro",
      concurrency: 8,
      publicUrl: "https://maestro.example.com",
      logSigningKey: "0123456789abcdef0123",
      githubHost: "github.com",
    });
    expect(c.gheHost).toBeUndefined();
  });

  it("resolves a relative data dir against the working directory", () => {
    expect(loadEnvConfig({ MAESTRO_DATA_DIR: "data/../state" }).dataDir).toBe(
      resolve(process.cwd(), "state"),
    );
  });

  it("points git at a GHE host with its protocol (how tests reach a local GitHub)", () => {
    const c = loadEnvConfig({ GHE_HOST: "127.0.0.1:3456", GHE_PROTOCOL: "http" });
    expect(c.githubHost).toBe("127.0.0.1:3456");
    expect(c.gheHost).toBe("127.0.0.1:3456");
    expect(c.gheProtocol).toBe("http");
    expect(c.gitRemoteUrl("o", "r")).toBe("http://127.0.0.1:3456/o/r.git");
    expect(loadEnvConfig({ GHE_HOST: "ghe.example.com" }).gitRemoteUrl("o", "r")).toBe(
      "https://ghe.example.com/o/r.git",
    );
  });

  it("refuses owner and repo names that would change the URL's meaning", () => {
    const c = loadEnvConfig({});
    expect(() => c.gitRemoteUrl("../x", "r")).toThrow(/Invalid repository owner "..\/x"/);
    expect(() => c.gitRemoteUrl("o", "..")).toThrow(/Invalid repository name/);
    expect(() => c.gitRemoteUrl("o", "r/../../x")).toThrow(/Invalid repository name/);
    expect(() => c.gitRemoteUrl("o", "r?x=1")).toThrow(/Invalid repository name/);
  });

  it("lists every bad variable with the fix in one error", () => {
    const msg = thrown({
      REDIS_URL: "localhost:6379",
      MAESTRO_CONCURRENCY: "0",
      MAESTRO_PUBLIC_URL: "maestro.example.com",
      MAESTRO_LOG_SIGNING_KEY: "short",
      GHE_HOST: "https://ghe.example.com",
      GHE_PROTOCOL: "ftp",
    });
    expect(msg.split("\n")).toEqual([
      "Invalid environment:",
      '- REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379, or a Sentinel group, e.g. redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster, got "localhost:6379". Fix it or unset it to use the default.',
      '- MAESTRO_CONCURRENCY must be a whole number from 1 to 64 (runs per worker process), e.g. 2, got "0". Fix it or unset it to use the default.',
      '- MAESTRO_PUBLIC_URL must be an http:// or https:// URL where this app is reachable, e.g. https://maestro.example.com, got "maestro.example.com". Fix it or unset it.',
      '- MAESTRO_LOG_SIGNING_KEY must be at least 16 characters; generate one with: openssl rand -hex 32, got "…". Fix it or unset it.',
      '- GHE_HOST must be a host name with an optional port and no protocol or path, e.g. github.example.com, got "https://ghe.example.com". Fix it or unset it.',
      '- GHE_PROTOCOL must be "http" or "https", got "ftp". Fix it or unset it to use the default.',
    ]);
    expect(msg).not.toContain("short");
  });

  it("does not echo a password from a bad REDIS_URL", () => {
    const msg = thrown({ REDIS_URL: "redis://user:s3cret@host:6379 extra" });
    expect(msg).toContain('got "redis://***@host:6379 extra"');
    expect(msg).not.toContain("s3cret");
  });

  it("refuses concurrency that is not a whole number in range", () => {
    for (const bad of ["65", "1.5", "two", "-1", "1e1"])
      expect(thrown({ MAESTRO_CONCURRENCY: bad })).toMatch(
        /MAESTRO_CONCURRENCY must be a whole number from 1 to 64/,
      );
    expect(loadEnvConfig({ MAESTRO_CONCURRENCY: "64" }).concurrency).toBe(64);
  });
});
