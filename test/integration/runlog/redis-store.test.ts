// The run-log store on real Redis (issue 14): append/read/follow/lastSeq/tail, retention, duplicates, the follower
// cap; and RunLogWriter with the store: seq continued from the store on another host, the per-run byte cap, a store
// that does not answer or fails, never stalling the writer.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { RunEvent } from "../../../src/runlog/events.js";
import { parseRunLog } from "../../../src/runlog/read.js";
import {
  FOLLOWER_CONNECTION_NAME,
  RedisRunLogStore,
  RunLogFollowLimitError,
} from "../../../src/runlog/redis-store.js";
import { readWholeRunLog } from "../../../src/runlog/shared-read.js";
import type { RunLogStore, StoredRunEvent } from "../../../src/runlog/store.js";
import { RunLogWriter } from "../../../src/runlog/writer.js";
import { freePort, startPrivateRedis } from "../../support/e2e-drills.js";
import { testStore } from "../../helpers/redis.js";

const t = testStore("runlog");
let dir: string;
let n = 0;
const runId = () => `rl${process.pid}x${++n}`;
const file = (host: string, id: string) => path.join(dir, host, "runs", `${id}.jsonl`);
const local = (p: string) => parseRunLog(fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "").events;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-runlog-store-"));
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function ev(id: string, seq: number, text = `event ${seq}`): RunEvent {
  return { v: 1, ts: new Date().toISOString(), runId: id, seq, type: "task.started", index: seq, text };
}

function writeTasks(w: RunLogWriter, from: number, count: number, text = "x"): void {
  for (let i = from; i < from + count; i++) w.write({ type: "task.started", index: i, text });
}

describe("RedisRunLogStore", () => {
  const store = new RedisRunLogStore(t.redis, t.prefix, { ttlSeconds: 100 });

  it("appends in order and reads back whole, after a position, and by pages", async () => {
    const id = runId();
    await store.append(id, [ev(id, 0), ev(id, 1), ev(id, 2)]);
    await store.append(id, [ev(id, 3), ev(id, 4)]);
    const all = await store.read(id);
    expect(all.map((s) => s.event.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(all[2]!.event).toMatchObject({ runId: id, seq: 2, type: "task.started", text: "event 2" });
    expect(all[2]!.id).toBe("1-2");
    expect((await store.read(id, { after: all[1]!.id })).map((s) => s.event.seq)).toEqual([2, 3, 4]);
    expect((await store.read(id, { after: all[1]!.id, count: 2 })).map((s) => s.event.seq)).toEqual([2, 3]);
    expect(await store.read(id, { after: all[4]!.id })).toEqual([]);
    expect(await store.lastSeq(id)).toBe(4);
    expect(await store.exists(id)).toBe(true);
    const lines = all.map((s) => JSON.stringify(s.event) + "\n");
    expect(await store.tail(id)).toEqual({
      seq: 4,
      bytes: lines.reduce((a, l) => a + Buffer.byteLength(l), 0),
      truncated: false,
    });
  });

  it("knows nothing of an unknown run; refuses run ids and positions that are not plain", async () => {
    expect(await store.lastSeq("nothing-here")).toBe(-1);
    expect(await store.exists("nothing-here")).toBe(false);
    expect(await store.read("nothing-here")).toEqual([]);
    expect(await store.tail("nothing-here")).toEqual({ seq: -1, bytes: 0, truncated: false });
    await expect(store.read("../x")).rejects.toThrow(/Invalid run id/);
    await expect(store.read("abc", { after: "+" })).rejects.toThrow(/Invalid run-log position/);
  });

  it("stores a batch sent twice once, and refuses to go back in seq (one writer's log stays one log)", async () => {
    const id = runId();
    const batch = [ev(id, 0), ev(id, 1), ev(id, 2)];
    await store.append(id, batch);
    await store.append(id, batch); // a retry after a lost reply
    await store.append(id, [ev(id, 2, "late"), ev(id, 3)]);
    const all = await store.read(id);
    expect(all.map((s) => s.event.seq)).toEqual([0, 1, 2, 3]);
    expect((all[2]!.event as { text: string }).text).toBe("event 2");
  });

  it("sets the retention on the stream and its byte counter, and refreshes it on every append", async () => {
    const id = runId();
    await store.append(id, [ev(id, 0)]);
    const key = store.key(id);
    expect(key).toBe(`${t.prefix}:runlog:${id}`);
    for (const k of [key, `${key}:bytes`]) {
      const ttl = await t.redis.ttl(k);
      expect(ttl).toBeGreaterThan(90);
      expect(ttl).toBeLessThanOrEqual(100);
    }
    await t.redis.expire(key, 5);
    await store.append(id, [ev(id, 1)]);
    expect(await t.redis.ttl(key)).toBeGreaterThan(90);
  });

  it("follows: what is there first, then new events as they come, on a connection of its own closed on abort", async () => {
    const id = runId();
    await store.append(id, [ev(id, 0), ev(id, 1)]);
    const clientsBefore = await clientCount();
    const ac = new AbortController();
    const seen: StoredRunEvent[] = [];
    const following = (async () => {
      for await (const s of store.follow(id, undefined, ac.signal)) {
        seen.push(s);
        if (s.event.seq === 1) await store.append(id, [ev(id, 2)]);
        if (s.event.seq === 2) setTimeout(() => void store.append(id, [ev(id, 3), ev(id, 4)]), 200);
        if (s.event.seq === 4) setTimeout(() => ac.abort(), 200);
      }
    })();
    await until(() => store.activeFollowers === 1);
    await until(async () => (await clientCount()) === clientsBefore + 1);
    await following;
    expect(seen.map((s) => s.event.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(store.activeFollowers).toBe(0);
    await until(async () => (await clientCount()) === clientsBefore);

    // From a position: only what comes after it.
    const ac2 = new AbortController();
    const after: number[] = [];
    for await (const s of store.follow(id, seen[2]!.id, ac2.signal)) {
      after.push(s.event.seq);
      if (s.event.seq === 4) ac2.abort();
    }
    expect(after).toEqual([3, 4]);
  });

  it("ends a follower blocked on a quiet log when its signal aborts", async () => {
    const id = runId();
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 300);
    const seen: unknown[] = [];
    for await (const s of store.follow(id, undefined, ac.signal)) seen.push(s);
    expect(seen).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(store.activeFollowers).toBe(0);
  });

  it("refuses a follower past the cap instead of opening another connection", async () => {
    const capped = new RedisRunLogStore(t.redis, t.prefix, { maxFollowers: 1 });
    const id = runId();
    await capped.append(id, [ev(id, 0)]);
    const ac = new AbortController();
    const first = capped.follow(id, undefined, ac.signal)[Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ event: { seq: 0 } });
    const second = capped.follow(id, undefined, ac.signal)[Symbol.asyncIterator]();
    await expect(second.next()).rejects.toBeInstanceOf(RunLogFollowLimitError);
    ac.abort();
    await first.return?.();
    expect(capped.activeFollowers).toBe(0);
  });
});

describe("RunLogWriter with the shared store", () => {
  const store = new RedisRunLogStore(t.redis, t.prefix);

  it("sends every event to the store in order; the store's log is the local file, line for line", async () => {
    const id = runId();
    const w = await RunLogWriter.openShared({ path: file("a", id), runId: id, shared: { store } });
    expect(w.sharing).toBe(true);
    writeTasks(w, 0, 300, "y".repeat(200));
    await w.close();
    const stored = (await store.read(id)).map((s) => JSON.stringify(s.event) + "\n").join("");
    expect(stored).toBe(fs.readFileSync(file("a", id), "utf8"));
  });

  it("a run resumed on another host (no local file) continues the seq from the store: one log", async () => {
    const id = runId();
    const a = await RunLogWriter.openShared({
      path: file("a", id),
      runId: id,
      append: true,
      shared: { store },
    });
    writeTasks(a, 0, 5);
    await a.close();
    const b = await RunLogWriter.openShared({
      path: file("b", id),
      runId: id,
      append: true,
      shared: { store },
    });
    expect(b.write({ type: "task.started", index: 5, text: "resumed" }).seq).toBe(5);
    writeTasks(b, 6, 2);
    await b.close();
    expect((await store.read(id)).map((s) => s.event.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(local(file("b", id)).map((e) => e.seq)).toEqual([5, 6, 7]);
    // The run's end on host b reads the whole log, not only its own part.
    const whole = await readWholeRunLog({ path: file("b", id), runId: id, store });
    expect(whole.events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(whole.source).toBe("store");
    // Back on host a (its file stops at 4): it goes on after the store's last seq, not its own.
    const a2 = await RunLogWriter.openShared({
      path: file("a", id),
      runId: id,
      append: true,
      shared: { store },
    });
    expect(a2.write({ type: "task.started", index: 8, text: "again" }).seq).toBe(8);
    await a2.close();
    const wholeA = await readWholeRunLog({ path: file("a", id), runId: id, store });
    expect(wholeA.events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // One host ran it all: the file as it is.
    const solo = runId();
    const s = await RunLogWriter.openShared({ path: file("a", solo), runId: solo, shared: { store } });
    writeTasks(s, 0, 3);
    await s.close();
    const soloWhole = await readWholeRunLog({ path: file("a", solo), runId: solo, store });
    expect(soloWhole.source).toBe("local");
    expect(soloWhole.text).toBe(fs.readFileSync(file("a", solo), "utf8"));
  });

  it("sends the store what this host's file has and the store lacks (an earlier outage) before new events", async () => {
    const id = runId();
    const offline = RunLogWriter.open({ path: file("a", id), runId: id });
    writeTasks(offline, 0, 4);
    await offline.close();
    await store.append(id, local(file("a", id)).slice(0, 2));
    const w = await RunLogWriter.openShared({
      path: file("a", id),
      runId: id,
      append: true,
      shared: { store },
    });
    expect(w.write({ type: "task.started", index: 4, text: "next" }).seq).toBe(4);
    await w.close();
    expect((await store.read(id)).map((s) => s.event.seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it("past MAESTRO_RUN_LOG_MAX_MB the store gets one log.truncated; the local file keeps everything", async () => {
    const id = runId();
    const w = await RunLogWriter.openShared({
      path: file("a", id),
      runId: id,
      shared: { store, maxBytes: 2000 },
    });
    writeTasks(w, 0, 30, "z".repeat(100));
    expect(w.sharing).toBe(false);
    await w.close();
    const inFile = local(file("a", id));
    const stored = (await store.read(id)).map((s) => s.event);
    // Every seq once, in the file: the 30 events and the marker among them.
    expect(inFile.map((e) => e.seq)).toEqual([...Array(31).keys()]);
    const marker = stored.at(-1)!;
    expect(marker).toMatchObject({ type: "log.truncated", reason: "size_limit", limitBytes: 2000 });
    // The store holds a prefix of the file, marker included, under the limit but for the marker.
    expect(stored).toEqual(inFile.slice(0, stored.length));
    const before = stored.slice(0, -1).reduce((a, e) => a + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
    expect(before).toBeLessThanOrEqual(2000);
    expect((marker as { storedBytes: number }).storedBytes).toBe(before);
    expect(await store.tail(id)).toMatchObject({ seq: marker.seq, truncated: true });
    // A resumed attempt elsewhere continues the seq but sends the store nothing more.
    const b = await RunLogWriter.openShared({
      path: file("b", id),
      runId: id,
      append: true,
      shared: { store },
    });
    expect(b.sharing).toBe(false);
    expect(b.write({ type: "task.started", index: 99, text: "later" }).seq).toBe(marker.seq + 1);
    await b.close();
    expect(await store.lastSeq(id)).toBe(marker.seq);
  });

  it("the cap counts what the store already holds for the run (a resumed attempt does not start from 0)", async () => {
    const id = runId();
    const a = await RunLogWriter.openShared({
      path: file("a", id),
      runId: id,
      shared: { store, maxBytes: 3000 },
    });
    writeTasks(a, 0, 10, "q".repeat(100)); // ≈ 1900 bytes
    await a.close();
    const b = await RunLogWriter.openShared({
      path: file("b", id),
      runId: id,
      append: true,
      shared: { store, maxBytes: 3000 },
    });
    writeTasks(b, 10, 10, "q".repeat(100));
    await b.close();
    const stored = (await store.read(id)).map((s) => s.event);
    expect(stored.at(-1)).toMatchObject({ type: "log.truncated", reason: "size_limit" });
    expect(stored.length).toBeLessThan(17);
  });
});

describe("RunLogWriter when the store is in trouble", () => {
  it("a store that never answers does not stall the run: bounded buffer, then log.truncated, and close() returns", async () => {
    const id = runId();
    const warnings: string[] = [];
    const hanging = fakeStore({ append: () => new Promise<void>(() => undefined) });
    const w = await RunLogWriter.openShared({
      path: file("a", id),
      runId: id,
      shared: {
        store: hanging,
        maxPendingBytes: 4000,
        closeTimeoutMs: 300,
        log: { warn: (_o, m) => warnings.push(String(m)) },
      },
    });
    const started = Date.now();
    writeTasks(w, 0, 200, "w".repeat(100));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(w.sharing).toBe(false);
    const closing = Date.now();
    await w.close();
    expect(Date.now() - closing).toBeLessThan(2000);
    const inFile = local(file("a", id));
    expect(inFile.map((e) => e.seq)).toEqual([...Array(201).keys()]);
    expect(inFile.filter((e) => e.type === "log.truncated")).toEqual([
      expect.objectContaining({ reason: "store_unavailable", limitBytes: 4000 }),
    ]);
    expect(warnings.join("\n")).toMatch(/has not taken events for too long/);
    expect(warnings.join("\n")).toMatch(/did not take the last events in time/);
  });

  it("a real Redis that is down (connection refused, commands queued) does not stall the writer either", async () => {
    const down = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      maxRetriesPerRequest: null,
      enableReadyCheck: false,
      retryStrategy: () => 200,
    });
    down.on("error", () => undefined);
    try {
      const id = runId();
      const started = Date.now();
      // Where the log ends cannot be known: the writer says so and writes the local file only.
      const w = await RunLogWriter.openShared({
        path: file("a", id),
        runId: id,
        shared: { store: new RedisRunLogStore(down, "{nowhere}"), openTimeoutMs: 300, closeTimeoutMs: 300 },
      });
      expect(w.sharing).toBe(false);
      writeTasks(w, 0, 50);
      await w.close();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(local(file("a", id))).toHaveLength(50);
    } finally {
      down.disconnect();
    }
  });

  it("Redis killed mid-run and restarted: the writer goes on meanwhile, the store then gets every event in order", async () => {
    const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-runlog-redis-"));
    const server = await startPrivateRedis(redisDir);
    // As a worker's connection: commands wait (queued) while Redis is away.
    const conn = new Redis(server.url, { maxRetriesPerRequest: null, enableReadyCheck: false });
    conn.on("error", () => undefined);
    try {
      const store = new RedisRunLogStore(conn, "{outage}");
      const id = runId();
      const w = await RunLogWriter.openShared({ path: file("a", id), runId: id, shared: { store } });
      writeTasks(w, 0, 5);
      expect(await w.flush(5000)).toBe(true);
      await server.kill();
      const started = Date.now();
      writeTasks(w, 5, 20);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await w.flush(200)).toBe(false);
      await server.start();
      expect(await w.flush(20_000)).toBe(true);
      await w.close();
      expect((await store.read(id)).map((s) => s.event.seq)).toEqual([...Array(25).keys()]);
    } finally {
      conn.disconnect();
      await server.kill();
      fs.rmSync(redisDir, { recursive: true, force: true });
    }
  }, 40_000);

  it("a store that fails for a while gets every event, in order, once it works again", async () => {
    const id = runId();
    const got: RunEvent[] = [];
    let failures = 3;
    const flaky = fakeStore({
      append: async (_id, events) => {
        if (failures-- > 0) throw new Error("READONLY You can't write against a read only replica.");
        got.push(...events);
      },
    });
    const warnings: string[] = [];
    const w = await RunLogWriter.openShared({
      path: file("a", id),
      runId: id,
      shared: { store: flaky, log: { warn: (_o, m) => warnings.push(String(m)) } },
    });
    writeTasks(w, 0, 20);
    expect(await w.flush(10_000)).toBe(true);
    writeTasks(w, 20, 5);
    await w.close();
    expect(got.map((e) => e.seq)).toEqual([...Array(25).keys()]);
    expect(warnings).toEqual([
      expect.stringMatching(/refused events; retrying/),
      expect.stringMatching(/takes events again/),
    ]);
  });
});

function fakeStore(over: Partial<RunLogStore>): RunLogStore {
  return {
    append: async () => undefined,
    read: async () => [],
    follow: async function* () {},
    lastSeq: async () => -1,
    exists: async () => false,
    ...over,
  };
}

/** Follower connections open on this Redis (named; other clients come and go with other tests). */
async function clientCount(): Promise<number> {
  const list = (await t.redis.client("LIST")) as string;
  return list.split("\n").filter((l) => l.includes(` name=${FOLLOWER_CONNECTION_NAME} `)).length;
}

async function until(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
