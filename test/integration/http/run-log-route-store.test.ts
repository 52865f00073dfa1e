// The signed run-log route reading the shared store (issue 14): a serve with a data dir of its own serves logs the
// workers wrote elsewhere; its own file answers for logs the store lacks, or cut short when the whole file is here.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { signRunLogUrl } from "../../../src/http/run-log-link.js";
import { serveRunLog, type RunLogRouteDeps } from "../../../src/http/run-log-route.js";
import { runLogPath } from "../../../src/runlog/paths.js";
import { RedisRunLogStore } from "../../../src/runlog/redis-store.js";
import type { RunLogStore } from "../../../src/runlog/store.js";
import { RunLogWriter } from "../../../src/runlog/writer.js";
import { testStore } from "../../helpers/redis.js";

const key = "k".repeat(32);
const t = testStore("runlog-route");
const store = new RedisRunLogStore(t.redis, t.prefix);
let tmp: string;
let serveDir: string;
let workerDir: string;
let server: Server;
let base: string;
let deps: RunLogRouteDeps;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-route-store-"));
  serveDir = path.join(tmp, "serve");
  workerDir = path.join(tmp, "worker");
  deps = { dataDir: serveDir, signingKey: key, store };
  server = createServer((req, res) => {
    void serveRunLog(deps, req, res).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const link = (runId: string) => signRunLogUrl({ publicUrl: base, runId, key });

async function writeOnWorker(runId: string, events: number, maxBytes?: number): Promise<string> {
  const file = runLogPath(workerDir, runId);
  const w = await RunLogWriter.openShared({
    path: file,
    runId,
    shared: { store, ...(maxBytes ? { maxBytes } : {}) },
  });
  for (let i = 0; i < events; i++)
    w.write({ type: "task.started", index: i, text: `task ${i} ${"t".repeat(80)}` });
  await w.close();
  return fs.readFileSync(file, "utf8");
}

describe("GET /maestro/runs/<runId>.jsonl with the shared store", () => {
  it("serves a log another host wrote, line for line as that host's file, across pages, as NDJSON", async () => {
    const text = await writeOnWorker("rstore01", 2500);
    const res = await fetch(link("rstore01"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('inline; filename="rstore01.jsonl"');
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.text()).toBe(text);
    const head = await fetch(link("rstore01"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/x-ndjson/);
  });

  it("prefers the store to a stale file of this host (the run went on elsewhere)", async () => {
    const text = await writeOnWorker("rstore02", 5);
    fs.mkdirSync(path.join(serveDir, "runs"), { recursive: true });
    fs.writeFileSync(runLogPath(serveDir, "rstore02"), text.split("\n").slice(0, 2).join("\n") + "\n");
    expect(await (await fetch(link("rstore02"))).text()).toBe(text);
  });

  it("falls back to this host's file for a log the store does not have (written before the store, or expired)", async () => {
    const file = runLogPath(serveDir, "rlocal01");
    const w = RunLogWriter.open({ path: file, runId: "rlocal01" });
    w.write({ type: "task.started", index: 0, text: "old" });
    await w.close();
    const res = await fetch(link("rlocal01"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(fs.statSync(file).size));
    expect(await res.text()).toBe(fs.readFileSync(file, "utf8"));
    const none = await fetch(link("rnowhere1"));
    expect(none.status).toBe(404);
    expect(await none.text()).toMatch(/no run log for rnowhere1/);
  });

  it("a log the store cut short (log.truncated) is served whole from this host's file when it is here", async () => {
    const whole = await writeOnWorker("rtrunc01", 40, 2000);
    const cut = await (await fetch(link("rtrunc01"))).text();
    expect(cut.trim().split("\n").at(-1)).toMatch(/"type":"log.truncated"/);
    expect(whole.startsWith(cut)).toBe(true);
    fs.mkdirSync(path.join(serveDir, "runs"), { recursive: true });
    fs.writeFileSync(runLogPath(serveDir, "rtrunc01"), whole);
    expect(await (await fetch(link("rtrunc01"))).text()).toBe(whole);
  });

  it("503 when the store does not answer and this host has no file; the file when it has one", async () => {
    const broken: RunLogStore = {
      append: async () => undefined,
      read: async () => Promise.reject(new Error("down")),
      follow: async function* () {},
      lastSeq: async () => Promise.reject(new Error("down")),
      exists: async () => Promise.reject(new Error("down")),
    };
    const saved = deps;
    deps = { ...deps, store: broken };
    try {
      const res = await fetch(link("rdown001"));
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/does not answer/);
      expect((await fetch(link("rlocal01"))).status).toBe(200);
    } finally {
      deps = saved;
    }
  });
});
