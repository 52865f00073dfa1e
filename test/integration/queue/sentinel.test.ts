// REDIS_URL naming a Sentinel group: a private Sentinel (redis-server --sentinel on a free port)
// watches the test Redis; Maestro's connection asks it for the master and talks to that.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRedis } from "../../../src/queue/connection.js";
import { REDIS_URL, uniquePrefix } from "../../helpers/redis.js";

let sentinel: ChildProcess | undefined;
let port = 0;
let dir = "";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  const master = new URL(REDIS_URL);
  port = await freePort();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-sentinel-"));
  const conf = path.join(dir, "sentinel.conf");
  // A quorum no one else votes in and a long down-after: this Sentinel only reports, never fails over.
  fs.writeFileSync(
    conf,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor testmaster ${master.hostname} ${master.port || 6379} 2`,
      "sentinel down-after-milliseconds testmaster 600000",
      "",
    ].join("\n"),
  );
  sentinel = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("redis-server --sentinel did not start (is redis-server installed?)");
});

afterAll(() => {
  sentinel?.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("REDIS_URL=redis+sentinel://", () => {
  it("reaches the master the Sentinel names", async () => {
    const redis = createRedis(`redis+sentinel://127.0.0.1:${port}/testmaster`);
    const key = `${uniquePrefix("sentinel")}:k`;
    try {
      await redis.set(key, "through-sentinel", "EX", 60);
      const direct = createRedis(REDIS_URL);
      expect(await direct.get(key)).toBe("through-sentinel");
      await direct.quit();
    } finally {
      await redis.del(key);
      await redis.quit();
    }
  });
});
