// The live run page's routes (issue 14 §2) on a real Redis store: the page behind the signed link, and its event
// stream — replay then follow, ids that resume, the end at run.finished, the follower let go when the browser
// leaves, heartbeats, a link that expires while open, "busy" past the follower limit, a log only on this host's disk.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { signRunLogUrl, signRunPageUrl } from "../../../src/http/run-log-link.js";
import { serveRunPage, type RunPageDeps } from "../../../src/http/run-page-route.js";
import type { RunEvent } from "../../../src/runlog/events.js";
import { runLogPath } from "../../../src/runlog/paths.js";
import { RedisRunLogStore } from "../../../src/runlog/redis-store.js";
import { testStore } from "../../helpers/redis.js";
import { openSse } from "../../helpers/sse.js";

const key = "k".repeat(32);
const t = testStore("run-page");
const store = new RedisRunLogStore(t.redis, t.prefix, { maxFollowers: 3, blockMs: 1000 });
let tmp: string;
let server: Server;
let base: string;
let clock: Date | undefined;
const deps: RunPageDeps = {
  dataDir: "",
  signingKey: key,
  store,
  heartbeatMs: 100,
  now: () => clock ?? new Date(),
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-run-page-"));
  deps.dataDir = tmp;
  server = createServer((req, res) => {
    void serveRunPage(deps, req, res).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const page = (runId: string) => signRunPageUrl({ publicUrl: base, runId, key });
const events = (runId: string) => {
  const u = new URL(page(runId));
  return `${base}${u.pathname}/events${u.search}`;
};

const seqs = new Map<string, number>();
function ev(runId: string, e: Record<string, unknown>): RunEvent {
  const seq = seqs.get(runId) ?? 0;
  seqs.set(runId, seq + 1);
  return { v: 1, ts: new Date().toISOString(), runId, seq, ...e } as RunEvent;
}
const started = (runId: string) =>
  ev(runId, {
    type: "run.started",
    playbook: "p",
    repo: "o/r",
    baseRef: "main",
    branch: "b",
    agent: "command",
    trigger: { kind: "cli", actor: "me" },
    tasksTotal: 1,
  });
const finished = (runId: string) =>
  ev(runId, {
    type: "run.finished",
    status: "succeeded",
    tasksDone: 1,
    tasksTotal: 1,
    costUsd: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    durationMs: 5,
  });
const data = (msgs: { event: string; data: string }[]) =>
  msgs.filter((m) => m.event === "message").map((m) => JSON.parse(m.data) as RunEvent);

describe("the run page", () => {
  it("is one static document under a CSP of its own script and style, behind the signed link", async () => {
    const a = await fetch(page("rpagea"));
    const b = await fetch(page("rpageb"));
    expect(a.status).toBe(200);
    expect(a.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = a.headers.get("content-security-policy")!;
    expect(csp).toMatch(
      /^default-src 'none'; script-src 'sha256-[^ ]+'; style-src 'sha256-[^ ]+'; connect-src 'self'/,
    );
    expect(csp).not.toMatch(/unsafe/);
    expect(a.headers.get("referrer-policy")).toBe("no-referrer");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
    // Nothing of the run (not even its id) is written into the HTML: the script reads it from its URL.
    expect(await a.text()).toBe(await b.text());
    expect(await statusOf(`${base}/maestro/runs/rpagea`)).toBe(403);
    expect(await statusOf(page("rpagea").replace("rpagea", "rpagex"))).toBe(403);
    // The log link's query opens the page: one signature per run.
    const logQuery = new URL(signRunLogUrl({ publicUrl: base, runId: "rpagea", key })).search;
    expect(await statusOf(`${base}/maestro/runs/rpagea${logQuery}`)).toBe(200);
    expect(await serveRunPage(deps, { url: "/maestro/runs/x.jsonl" } as never, {} as never)).toBe(false);
  });

  it("is not served without a signing key", async () => {
    const { signingKey: _k, ...rest } = deps;
    const s = createServer((req, res) => void serveRunPage(rest, req, res));
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const url = new URL(page("rnokey"));
    url.port = String((s.address() as AddressInfo).port);
    const res = await fetch(url);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/MAESTRO_LOG_SIGNING_KEY/);
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  });
});

describe("the run page's event stream", () => {
  it("tells a finished run whole from reads, ids and all, then ends without a follower", async () => {
    const runId = "rstreamdone";
    const all = [started(runId)];
    for (let i = 0; i < 2500; i++)
      all.push(
        ev(runId, { type: "agent.message", index: 0, role: "assistant", text: `m${i}\n\nevent: end` }),
      );
    all.push(finished(runId));
    await store.append(runId, all);
    const c = await openSse(events(runId));
    expect(c.status).toBe(200);
    expect(c.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(c.headers["cache-control"]).toMatch(/no-store/);
    await c.ended;
    const msgs = c.messages();
    expect(msgs[0]).toMatchObject({ event: "hello" });
    expect(data(msgs).map((e) => e.seq)).toEqual(all.map((e) => e.seq));
    expect(msgs.filter((m) => m.event === "message").map((m) => m.id)).toEqual(all.map((e) => `1-${e.seq}`));
    expect(msgs.at(-1)).toMatchObject({ event: "end", data: '{"reason":"finished"}' });
    expect(c.text()).toMatch(/^retry: 2000\n\n/);
    expect(store.activeFollowers).toBe(0);
  });

  it("follows a running run as it is written, resumes after Last-Event-ID, ends at run.finished", async () => {
    const runId = "rstreamlive";
    await store.append(runId, [started(runId), ev(runId, { type: "task.started", index: 0, text: "one" })]);
    const c = await openSse(events(runId));
    await c.until((m) => data(m).length === 2);
    expect(store.activeFollowers).toBe(1);
    const t0 = Date.now();
    await store.append(runId, [ev(runId, { type: "agent.tool", index: 0, name: "Bash", input: "ls" })]);
    await c.until((m) => data(m).length === 3);
    expect(Date.now() - t0).toBeLessThan(1000);
    const lastId = c
      .messages()
      .filter((m) => m.event === "message")
      .at(-1)!.id;
    expect(lastId).toBe("1-2");

    // A reconnect (what EventSource does after a drop) gets only what came after its last id.
    const again = await openSse(events(runId), { "last-event-id": "1-1" });
    await again.until((m) => data(m).length === 1);
    expect(data(again.messages())[0]).toMatchObject({ seq: 2, type: "agent.tool" });
    const byQuery = await openSse(`${events(runId)}&after=1-2`);
    await byQuery.until((_m, text) => text.includes("event: hello"));

    await store.append(runId, [finished(runId)]);
    await Promise.all([c.ended, again.ended, byQuery.ended]);
    expect(data(c.messages()).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(data(byQuery.messages()).map((e) => e.seq)).toEqual([3]);
    for (const x of [c, again, byQuery]) expect(x.messages().at(-1)?.event).toBe("end");
    await waitFor(() => store.activeFollowers === 0);
  });

  it("lets the follower go when the browser leaves, and keeps an idle stream alive with comments", async () => {
    const runId = "rstreamleave";
    await store.append(runId, [started(runId)]);
    const c = await openSse(events(runId));
    await c.until((_m, text) => text.includes(": keep-alive\n\n"));
    expect(store.activeFollowers).toBe(1);
    c.close();
    await waitFor(() => store.activeFollowers === 0);
  });

  it("waits for a run that has not written its first event yet", async () => {
    const runId = "rstreamearly";
    const c = await openSse(events(runId));
    await c.until((_m, text) => text.includes("event: hello"));
    await store.append(runId, [started(runId), finished(runId)]);
    await c.ended;
    expect(data(c.messages()).map((e) => e.type)).toEqual(["run.started", "run.finished"]);
  });

  it("says when the link expires while the page is open, and stops", async () => {
    const runId = "rstreamexp";
    await store.append(runId, [started(runId)]);
    const c = await openSse(events(runId));
    await c.until((m) => data(m).length === 1);
    clock = new Date(Date.now() + 40 * 24 * 3600 * 1000);
    try {
      await c.ended;
    } finally {
      clock = undefined;
    }
    expect(c.messages().at(-1)?.event).toBe("expired");
    await waitFor(() => store.activeFollowers === 0);
  });

  it("shares one follower among every page open on a run", async () => {
    const runId = "rstreamshared";
    await store.append(runId, [started(runId)]);
    const first = await Promise.all(Array.from({ length: 5 }, () => openSse(events(runId))));
    await Promise.all(first.map((c) => c.until((m) => data(m).length === 1)));
    expect(store.activeFollowers).toBe(1);
    await store.append(runId, [ev(runId, { type: "task.started", index: 0, text: "a" })]);
    await Promise.all(first.map((c) => c.until((m) => data(m).length === 2)));
    // Late joiners, one from the start, one from an id, while events keep coming.
    const late = [await openSse(events(runId)), await openSse(events(runId), { "last-event-id": "1-0" })];
    for (let i = 0; i < 50; i++)
      await store.append(runId, [
        ev(runId, { type: "agent.message", index: 0, role: "assistant", text: `${i}` }),
      ]);
    await store.append(runId, [finished(runId)]);
    await Promise.all([...first, ...late].map((c) => c.ended));
    for (const c of first) expect(data(c.messages()).map((e) => e.seq)).toEqual(range(0, 52));
    expect(data(late[0]!.messages()).map((e) => e.seq)).toEqual(range(0, 52));
    expect(data(late[1]!.messages()).map((e) => e.seq)).toEqual(range(1, 52));
    expect(store.activeFollowers).toBeLessThanOrEqual(1);
    await waitFor(() => store.activeFollowers === 0);
  });

  it("answers busy past the follower limit; the browser comes back later", async () => {
    const runIds = ["rstreambusy1", "rstreambusy2", "rstreambusy3", "rstreambusy4"];
    for (const runId of runIds) await store.append(runId, [started(runId)]);
    const open = await Promise.all(runIds.slice(0, 3).map((runId) => openSse(events(runId))));
    await Promise.all(open.map((c) => c.until(() => store.activeFollowers === 3)));
    const late = await openSse(events(runIds[3]!));
    await late.ended;
    expect(late.messages().map((m) => m.event)).toEqual(["hello", "message", "busy"]);
    expect(late.text()).toContain("retry: 10000\n");
    for (const c of open) c.close();
    await waitFor(() => store.activeFollowers === 0);
  });

  it("reads a log only this host has (not in the store) from its file, then ends", async () => {
    const runId = "rstreamfile";
    const lines = [
      started(runId),
      ev(runId, { type: "task.started", index: 0, text: "from disk" }),
      finished(runId),
    ];
    const file = runLogPath(tmp, runId);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, lines.map((e) => JSON.stringify(e) + "\n").join(""));
    const c = await openSse(events(runId));
    await c.ended;
    expect(data(c.messages()).map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(c.messages().at(-1)).toMatchObject({ event: "end", data: '{"reason":"file"}' });
  });

  it("refuses a stream without a valid signature", async () => {
    expect(await statusOf(`${base}/maestro/runs/rstreamlive/events`)).toBe(403);
    const other = new URL(signRunPageUrl({ publicUrl: base, runId: "rstreamlive", key: "z".repeat(32) }));
    expect(await statusOf(`${base}/maestro/runs/rstreamlive/events${other.search}`)).toBe(403);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The status of a GET, its body read (an unread body would hold the connection open). */
async function statusOf(url: string | URL): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}
