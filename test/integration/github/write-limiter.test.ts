// GitHub write spacing shared through Redis: separate processes writing to one installation are spaced
// as one process; installations are not spaced against each other; Redis trouble does not hold writes.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { ProbotOctokit } from "probot";
import { loadEnvConfig } from "../../../src/config/env.js";
import { createWriteLimiter, writeSpacingKey, type WriteLimiter } from "../../../src/github/write-limiter.js";
import { createAppAuth } from "../../../src/workers/installation.js";
import { testOctokit } from "../../helpers/github-api.js";
import { deleteKeys, REDIS_URL, uniquePrefix } from "../../helpers/redis.js";
import { startLocalGitHub, type LocalGitHub } from "../../support/local-github/index.js";

const REACTIONS = "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions";
let gh: LocalGitHub;
let tmp: string;
let redis: Redis;
const prefixes: string[] = [];
const targets = [
  { installation: 7, repo: "octo-org/seven", issue: 0 },
  { installation: 8, repo: "octo-org/eight", issue: 0 },
];

beforeAll(async () => {
  gh = await startLocalGitHub();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-write-limit-"));
  fs.writeFileSync(path.join(tmp, "app.pem"), gh.privateKey);
  for (const t of targets) {
    const [owner, name] = t.repo.split("/") as [string, string];
    await gh.createRepo({ owner, name, installationId: t.installation });
    t.issue = gh.createIssue(t.repo, { title: "Spacing", user: "alice" }).number;
  }
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const p of prefixes) await deleteKeys(redis, p);
  await redis.quit();
  await gh.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function startChild(
  prefix: string,
  shared: boolean,
): { child: ChildProcess; ready: Promise<void>; done: Promise<string> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.resolve("test/helpers/write-limit-child.ts")],
    {
      env: {
        PATH: process.env.PATH,
        REDIS_URL,
        MAESTRO_REDIS_PREFIX: prefix,
        MAESTRO_SHARED_WRITE_LIMIT: shared ? "1" : "0",
        WRITE_API_URL: gh.apiUrl,
        WRITE_APP_ID: String(gh.appId),
        WRITE_PRIVATE_KEY_FILE: path.join(tmp, "app.pem"),
        WRITE_TARGETS: JSON.stringify(targets),
        WRITE_COUNT: "3",
      },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", () => out.includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`child exited ${code} before ready:\n${out}`)));
  });
  const done = new Promise<string>((resolve, reject) =>
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child exited ${code}:\n${out}`)),
    ),
  );
  return { child, ready, done };
}

/** Two processes, each writing 3 reactions to each installation at once; the writes' arrival times. */
async function twoProcesses(shared: boolean): Promise<{ prefix: string; times: Map<number, number[]> }> {
  const prefix = uniquePrefix("write-limit");
  prefixes.push(prefix);
  const children = [startChild(prefix, shared), startChild(prefix, shared)];
  await Promise.all(children.map((c) => c.ready));
  const go = Date.now();
  for (const c of children) c.child.stdin!.write("go\n");
  await Promise.all(children.map((c) => c.done));
  const times = new Map<number, number[]>();
  for (const r of gh.requests()) {
    if (r.at < go || r.route !== REACTIONS) continue;
    const installation = Number(r.auth.replace("installation:", ""));
    times.set(
      installation,
      [...(times.get(installation) ?? []), r.at].sort((a, b) => a - b),
    );
  }
  return { prefix, times };
}

const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);

describe("shared GitHub write spacing (two processes, real Redis, local GitHub)", () => {
  it("spaces one installation's writes from both processes as one (≈ 1 s apart), installations apart", async () => {
    const { prefix, times } = await twoProcesses(true);
    const seven = times.get(7)!;
    const eight = times.get(8)!;
    expect(seven).toHaveLength(6);
    expect(eight).toHaveLength(6);
    // Nominally 1000 ms; generous margin for a loaded machine.
    expect(Math.min(...gaps(seven))).toBeGreaterThan(500);
    expect(Math.min(...gaps(eight))).toBeGreaterThan(500);
    // Installation 8 does not wait for installation 7: their first writes go out together.
    expect(Math.abs(seven[0]! - eight[0]!)).toBeLessThan(500);
    // One key per installation under Maestro's prefix, expiring once its slot has passed.
    const ttl = await redis.pttl(writeSpacingKey(prefix, "write", "7"));
    expect(ttl === -2 || (ttl > 0 && ttl <= 7000)).toBe(true);
    expect(await redis.ttl(writeSpacingKey(prefix, "write", "8"))).not.toBe(-1);
  });

  it("without sharing (MAESTRO_SHARED_WRITE_LIMIT=0) the processes write to one installation at once", async () => {
    const { prefix, times } = await twoProcesses(false);
    expect(times.get(7)).toHaveLength(6);
    expect(Math.min(...gaps(times.get(7)!))).toBeLessThan(500);
    expect(await redis.exists(writeSpacingKey(prefix, "write", "7"))).toBe(0);
  });
});

describe("write limiter", () => {
  it("is reached by Probot's Octokit, and not by a client whose throttle is off (tests' Octokit)", async () => {
    const prefix = uniquePrefix("write-limit-off");
    prefixes.push(prefix);
    let scheduled = 0;
    const real = createWriteLimiter({ redis, prefix });
    const counting: WriteLimiter = {
      write: { key: (id) => ({ schedule: (...a) => (scheduled++, real.write.key(id).schedule(...a)) }) },
      notifications: real.notifications,
    };
    const [owner, repo] = targets[0]!.repo.split("/") as [string, string];
    const react = async (Octokit: typeof ProbotOctokit) => {
      const app = createAppAuth({
        appId: gh.appId,
        privateKey: gh.privateKey,
        baseUrl: gh.apiUrl,
        Octokit,
        writeLimiter: counting,
      });
      const { octokit } = await app.installation(7);
      await octokit.rest.reactions.createForIssue({
        owner,
        repo,
        issue_number: targets[0]!.issue,
        content: "heart",
      });
    };
    await react(testOctokit());
    expect(scheduled).toBe(0);
    await react(ProbotOctokit);
    expect(scheduled).toBe(1);
  });

  it("keeps plain and notifying writes of two processes ≥ 1 s apart, notifying ones ≥ 3 s", async () => {
    // As the throttling plugin calls the groups: `write` for every write, then `notifications` for one
    // that notifies people; two limiters on their own connections stand for two processes.
    const prefix = uniquePrefix("write-limit-mixed");
    prefixes.push(prefix);
    const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    const limiters = clients.map((redis) => createWriteLimiter({ redis, prefix }));
    const sent: { at: number; notifying: boolean }[] = [];
    const write = async (limiter: WriteLimiter, notifying: boolean) => {
      await limiter.write.key("5").schedule({}, async () => undefined);
      if (notifying) await limiter.notifications.key("5").schedule({}, async () => undefined);
      sent.push({ at: Date.now(), notifying });
    };
    try {
      await Promise.all([
        ...[true, false, true, false].map((n) => write(limiters[0]!, n)),
        ...[true, false, false].map((n) => write(limiters[1]!, n)),
      ]);
    } finally {
      for (const c of clients) await c.quit();
    }
    sent.sort((a, b) => a.at - b.at);
    expect(sent).toHaveLength(7);
    // Nominally 1000 and 3000 ms; generous margins for a loaded machine.
    expect(Math.min(...gaps(sent.map((s) => s.at)))).toBeGreaterThan(500);
    expect(Math.min(...gaps(sent.filter((s) => s.notifying).map((s) => s.at)))).toBeGreaterThan(2000);
  });

  it("spaces writes by itself, without waiting, when Redis is down", async () => {
    const down = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 1, retryStrategy: () => null });
    down.on("error", () => undefined);
    const warnings: string[] = [];
    const limiter = createWriteLimiter({
      redis: down,
      prefix: "{mtest-down}",
      log: { warn: (_o, m) => warnings.push(m) },
    });
    const ran: number[] = [];
    await Promise.all(
      [1, 2].map(() => limiter.write.key("7").schedule({}, async () => ran.push(Date.now()))),
    );
    if (down.status !== "end") await new Promise((r) => down.once("end", r));
    expect(ran).toHaveLength(2);
    expect(Math.abs(ran[1]! - ran[0]!)).toBeGreaterThan(500);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not connected/);
  });

  it("falls back to the process's own spacing when Redis stops answering, and shares again after", async () => {
    // A proxy to Redis that can be frozen: connected, but holding everything until thawed.
    let frozen = false;
    const held: (() => void)[] = [];
    const sockets: net.Socket[] = [];
    const pass = (to: net.Socket, d: Buffer) => (frozen ? held.push(() => to.write(d)) : to.write(d));
    const proxy = net.createServer((client) => {
      const redisUrl = new URL(REDIS_URL);
      const upstream = net.connect(Number(redisUrl.port || 6379), redisUrl.hostname);
      sockets.push(client, upstream);
      client.on("data", (d: Buffer) => pass(upstream, d));
      upstream.on("data", (d: Buffer) => pass(client, d));
      client.on("error", () => undefined);
      upstream.on("error", () => undefined);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const port = (proxy.address() as net.AddressInfo).port;
    const via = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
    via.on("error", () => undefined);
    const prefix = uniquePrefix("write-limit-frozen");
    prefixes.push(prefix);
    const warnings: string[] = [];
    const limiter = createWriteLimiter({
      redis: via,
      prefix,
      redisTimeoutMs: 300,
      log: { warn: (_o, m) => warnings.push(m) },
    });
    try {
      await via.ping();
      frozen = true;
      await limiter.write.key("9").schedule({}, async () => undefined);
      expect(warnings.join("\n")).toMatch(/did not reserve/);
      expect(await redis.exists(writeSpacingKey(prefix, "write", "9"))).toBe(0);
      frozen = false;
      for (const f of held.splice(0)) f();
      await limiter.write.key("10").schedule({}, async () => undefined);
      expect(warnings.join("\n")).toMatch(/shared through Redis again/);
      expect(await redis.exists(writeSpacingKey(prefix, "write", "10"))).toBe(1);
    } finally {
      via.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe("MAESTRO_SHARED_WRITE_LIMIT", () => {
  it("is on by default, off with 0, and refuses anything else", () => {
    expect(loadEnvConfig({}).sharedWriteLimit).toBe(true);
    expect(loadEnvConfig({ MAESTRO_SHARED_WRITE_LIMIT: "0" }).sharedWriteLimit).toBe(false);
    expect(() => loadEnvConfig({ MAESTRO_SHARED_WRITE_LIMIT: "yes" })).toThrow(
      /MAESTRO_SHARED_WRITE_LIMIT must be "1"/,
    );
  });
});
