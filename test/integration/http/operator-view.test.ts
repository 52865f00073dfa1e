// The operator view on the real server (startServer): bull-board over the run queue and the day's costs, behind
// MAESTRO_ADMIN_TOKEN. Jobs are put in each state by a BullMQ Worker this test controls: one it holds active, one
// that fails every attempt, one left waiting behind them, one delayed.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { startServer, type RunningServer } from "../../../src/cli/serve.js";
import { addCost, utcDay } from "../../../src/queue/budget.js";
import { enqueueRun, type RunQueue } from "../../../src/queue/enqueue.js";
import type { RunJobData } from "../../../src/queue/job-schema.js";
import { QUEUE_NAME } from "../../../src/queue/names.js";
import { createRunQueue } from "../../../src/queue/run-queue.js";
import { generateAppPrivateKey } from "../../helpers/github-api.js";
import { REDIS_URL, testStore } from "../../helpers/redis.js";

const TOKEN = randomBytes(32).toString("hex");
const WEBHOOK_SECRET = "s3cret-for-operator-view";
const LEAKY = `ghs_${"A1b2C3d4".repeat(5)}`; // an installation-token shape, planted in a job's text
const privateKey = generateAppPrivateKey();
const store = testStore("opview");
const QUEUES_API = "/maestro/admin/queues/api/queues";

let queue: RunQueue;
let worker: Worker;
let workerRedis: Redis;
let release: () => void = () => undefined;
const servers: RunningServer[] = [];

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    APP_ID: "123",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET,
    REDIS_URL,
    MAESTRO_REDIS_PREFIX: store.prefix,
    LOG_LEVEL: "fatal",
    MAESTRO_ADMIN_TOKEN: TOKEN,
    ...extra,
  };
}

async function serve(extra: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const s = await startServer({ env: env(extra), port: 0 });
  servers.push(s);
  return s;
}

function runJob(runId: string, over: Partial<RunJobData> = {}): RunJobData {
  return {
    runId,
    repo: { owner: "acme", name: "widgets" },
    installationId: 7,
    issueNumber: 42,
    isPullRequest: false,
    playbook: { name: "fix-issue", origin: "builtin", source: "- [ ] do it\n" },
    trigger: { kind: "comment", actor: "alice" },
    requestedAt: new Date().toISOString(),
    ...over,
  };
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface BoardJob {
  id: string;
  attempts: number;
  failedReason?: string;
  data: Record<string, unknown>;
  opts: { attempts?: number };
}
interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  jobs: BoardJob[];
  readOnlyMode: boolean;
  allowRetries: boolean;
}

async function boardQueue(url: string, status: string): Promise<BoardQueue> {
  const res = await fetch(
    `${url}${QUEUES_API}?activeQueue=${QUEUE_NAME}&status=${status}&page=1&jobsPerPage=50`,
    {
      headers: bearer,
    },
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { queues: BoardQueue[] };
  return body.queues.find((q) => q.name === QUEUE_NAME)!;
}

beforeAll(async () => {
  queue = createRunQueue(store.redis, store.prefix);
  workerRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const held = new Promise<void>((r) => (release = r));
  worker = new Worker(
    QUEUE_NAME,
    async (job: Job) => {
      if (job.id === "rboom0001") throw new Error(`git fetch failed: the remote hung up (token ${LEAKY})`);
      await held; // rheld0001 stays active until the end
    },
    { connection: workerRedis, prefix: store.prefix, concurrency: 1 },
  );
  worker.on("error", () => undefined);

  // Fails both of its attempts (no backoff, so the retry is immediate).
  await queue.add("run", runJob("rboom0001"), { jobId: "rboom0001", attempts: 2 });
  await until(
    "the failing job to fail twice",
    async () => (await queue.getJobState("rboom0001")) === "failed",
  );
  // Taken by the worker and held: active.
  await enqueueRun(queue, runJob("rheld0001"), { deliveryId: "d-held" });
  await until("the held job to be active", async () => (await queue.getJobState("rheld0001")) === "active");
  // The worker's one slot is busy: this one waits. Its text carries a token shape and the webhook secret.
  await enqueueRun(queue, runJob("rwait0001", { args: `please use ${LEAKY} and ${WEBHOOK_SECRET}` }), {
    deliveryId: "d-wait",
  });
  await queue.add("run", runJob("rlater001"), { jobId: "rlater001", delay: 3_600_000 });

  const today = new Date();
  await addCost(store, { owner: "Acme", name: "Widgets" }, 1.25, today);
  await addCost(store, { owner: "acme", name: "widgets" }, 0.5, today);
  await addCost(store, { owner: "octo", name: "<b>gadgets</b>" }, 0.3, today);
  await addCost(store, { owner: "old", name: "news" }, 9, new Date(today.getTime() - 86_400_000));
});

afterAll(async () => {
  for (const s of servers) await s.close();
  release();
  await worker.close();
  await workerRedis.quit();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await store.close();
});

describe("the operator view (MAESTRO_ADMIN_TOKEN)", () => {
  it("answers 401 with a challenge without the credential or with a wrong one, for every method and path", async () => {
    const { url } = await serve();
    const attempts: Array<[string, RequestInit]> = [
      [QUEUES_API, {}],
      ["/maestro/admin/queues/", {}],
      ["/maestro/admin/queues/static/images/logo.svg", {}],
      ["/maestro/admin/costs.json", {}],
      ["/maestro/admin/", {}],
      ["/maestro/admin", {}],
      [QUEUES_API, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } }],
      [QUEUES_API, { headers: { authorization: `Bearer ${TOKEN}${TOKEN}` } }],
      [QUEUES_API, { headers: basic(TOKEN, "wrong") }],
      [QUEUES_API, { headers: { authorization: `Basic ${Buffer.from(TOKEN).toString("base64")}` } }],
      [QUEUES_API, { headers: { authorization: `Token ${TOKEN}` } }],
      [`${QUEUES_API}/${QUEUE_NAME}/rboom0001/retry`, { method: "PUT" }],
      [`${QUEUES_API}/${QUEUE_NAME}/add`, { method: "POST", body: "{}" }],
    ];
    for (const [path, init] of attempts) {
      const res = await fetch(`${url}${path}`, init);
      expect([path, res.status]).toEqual([path, 401]);
      expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm="Maestro operator view"/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const text = await res.text();
      expect(text).toContain("MAESTRO_ADMIN_TOKEN");
      expect(text).not.toContain("rboom0001");
    }
    // Only /maestro/admin itself is the view's: other paths are untouched.
    expect((await fetch(`${url}/maestro/administrator`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("with the credential, lists the waiting, active, delayed and failed jobs, the failed one with its attempts", async () => {
    const { url } = await serve();
    const all = await boardQueue(url, "latest");
    expect(all.counts).toMatchObject({ waiting: 1, active: 1, delayed: 1, failed: 1 });
    expect(all.readOnlyMode).toBe(true);
    expect(all.allowRetries).toBe(false);

    const waiting = await boardQueue(url, "waiting");
    expect(waiting.jobs.map((j) => j.id)).toEqual(["rwait0001"]);
    expect(waiting.jobs[0]!.data).toMatchObject({
      repo: { owner: "acme", name: "widgets" },
      issueNumber: 42,
    });
    expect((await boardQueue(url, "active")).jobs.map((j) => j.id)).toEqual(["rheld0001"]);
    expect((await boardQueue(url, "delayed")).jobs.map((j) => j.id)).toEqual(["rlater001"]);
    const failed = (await boardQueue(url, "failed")).jobs;
    expect(failed.map((j) => j.id)).toEqual(["rboom0001"]);
    expect(failed[0]!.attempts).toBe(2);
    expect(failed[0]!.opts.attempts).toBe(2);
    expect(failed[0]!.failedReason).toContain("git fetch failed: the remote hung up");

    // One job by id, as the UI's job page asks for it.
    const one = await fetch(`${url}${QUEUES_API}/${QUEUE_NAME}/rboom0001`, { headers: bearer });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { job: BoardJob }).job.attempts).toBe(2);
  });

  it("never shows a secret: token shapes and known secret values in job data and errors are redacted", async () => {
    const { url } = await serve();
    for (const status of ["waiting", "failed"]) {
      const res = await fetch(
        `${url}${QUEUES_API}?activeQueue=${QUEUE_NAME}&status=${status}&page=1&jobsPerPage=50`,
        { headers: bearer },
      );
      const text = await res.text();
      expect(text).toContain("[REDACTED]");
      expect(text).not.toContain(LEAKY);
      expect(text).not.toContain(WEBHOOK_SECRET);
    }
    const job = await fetch(`${url}${QUEUES_API}/${QUEUE_NAME}/rwait0001`, { headers: bearer });
    const text = await job.text();
    expect(text).toContain("please use [REDACTED] and [REDACTED]");
  });

  it("serves bull-board's UI and its files to a browser login (Basic, any user name)", async () => {
    const { url } = await serve();
    const page = await fetch(`${url}/maestro/admin/queues/`, { headers: basic("ops", TOKEN) });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<base href="/maestro/admin/queues/"');
    expect(html).toContain("Maestro runs");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-powered-by")).toBeNull();
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}/maestro/admin/queues/${script}`, { headers: basic("", TOKEN) });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    // A UI route (deep link to a job) renders the same page; a path outside the base does not escape it.
    expect(
      (await fetch(`${url}/maestro/admin/queues/queue/${QUEUE_NAME}/rboom0001`, { headers: bearer })).status,
    ).toBe(200);
    const escape = await fetch(`${url}/maestro/admin/queues/static/..%2f..%2fpackage.json`, {
      headers: bearer,
    });
    expect(escape.status).toBe(404);
    const index = await fetch(`${url}/maestro/admin/`, { headers: bearer });
    expect(await index.text()).toContain('href="/maestro/admin/queues/"');
  });

  it("is read-only by default: every change is refused and the job stays failed", async () => {
    const { url } = await serve();
    for (const [method, path] of [
      ["PUT", `${QUEUES_API}/${QUEUE_NAME}/rboom0001/retry`],
      ["PUT", `${QUEUES_API}/${QUEUE_NAME}/retry/failed`],
      ["PUT", `${QUEUES_API}/${QUEUE_NAME}/clean/failed`],
      ["PUT", `${QUEUES_API}/${QUEUE_NAME}/pause`],
      ["POST", `${QUEUES_API}/${QUEUE_NAME}/add`],
    ] as const) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...bearer, "content-type": "application/json" },
        body: "{}",
      });
      expect([path, res.status]).toEqual([path, 405]);
      expect(await res.text()).toContain("MAESTRO_ADMIN_READONLY=0");
    }
    expect(await queue.getJobState("rboom0001")).toBe("failed");
    expect(await queue.isPaused()).toBe(false);
  });

  it("shows the day's cost per repository, from the budget ledger, escaped", async () => {
    const { url } = await serve();
    const res = await fetch(`${url}/maestro/admin/costs.json`, { headers: bearer });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      day: string;
      totalUsd: number;
      repos: Array<{ repo: string; usd: number }>;
    };
    expect(report.day).toBe(utcDay(new Date()));
    expect(report.repos).toEqual([
      { repo: "acme/widgets", usd: 1.75 },
      { repo: "octo/<b>gadgets</b>", usd: 0.3 },
    ]);
    expect(report.totalUsd).toBeCloseTo(2.05, 10);

    const page = await fetch(`${url}/maestro/admin/costs`, { headers: basic("ops", TOKEN) });
    const html = await page.text();
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(html).toMatch(/acme\/widgets<\/td><td class="usd">\$1\.75/);
    expect(html).toContain("octo/&#60;b&#62;gadgets&#60;/b&#62;");
    expect(html).not.toContain("<b>gadgets");
    expect(html).toContain("$2.05");
    expect(html).not.toContain("old/news");

    const yesterday = utcDay(new Date(Date.now() - 86_400_000));
    const before = await fetch(`${url}/maestro/admin/costs.json?day=${yesterday}`, { headers: bearer });
    expect(((await before.json()) as { repos: unknown[] }).repos).toEqual([{ repo: "old/news", usd: 9 }]);
    expect((await fetch(`${url}/maestro/admin/costs.json?day=yesterday`, { headers: bearer })).status).toBe(
      400,
    );
  });

  it("is off without MAESTRO_ADMIN_TOKEN: 404 saying how to turn it on", async () => {
    const { url } = await serve({ MAESTRO_ADMIN_TOKEN: "" });
    for (const path of [QUEUES_API, "/maestro/admin/", "/maestro/admin/costs"]) {
      const res = await fetch(`${url}${path}`, { headers: bearer });
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).toContain("set MAESTRO_ADMIN_TOKEN");
      expect(text).toContain("openssl rand -hex 32");
    }
  });

  it("with MAESTRO_ADMIN_READONLY=0, retries a failed job; never adds jobs, edits data, or takes cross-site changes", async () => {
    const { url } = await serve({ MAESTRO_ADMIN_READONLY: "0" });
    expect((await boardQueue(url, "failed")).allowRetries).toBe(true);
    const put = (path: string, headers: Record<string, string> = {}, method = "PUT") =>
      fetch(`${url}${QUEUES_API}/${QUEUE_NAME}${path}`, {
        method,
        headers: { ...bearer, "content-type": "application/json", ...headers },
        body: JSON.stringify({ name: "run", data: { runId: "rinject01" } }),
      });
    // A browser page elsewhere cannot use the operator's login.
    expect((await put("/rboom0001/retry", { origin: "https://evil.example" })).status).toBe(403);
    expect((await put("/rboom0001/retry", { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await put("/add", {}, "POST")).status).toBe(403);
    expect((await put("/rwait0001/update-data", {}, "PATCH")).status).toBe(403);
    expect((await put("/obliterate")).status).toBe(403);
    // Finished runs are not run again from here (that is /maestro retry, with the budget checked).
    const again = await put("/retry/completed");
    expect(again.status).toBe(403);
    expect(await again.text()).toContain("/maestro retry");
    expect(await queue.getJobCounts("waiting", "delayed", "prioritized")).toMatchObject({
      waiting: 1,
      delayed: 1,
      prioritized: 0,
    });
    expect((await queue.getJob("rwait0001"))!.data.runId).toBe("rwait0001");
    expect(await queue.getJobState("rboom0001")).toBe("failed");

    const retried = await put("/rboom0001/retry", { origin: new URL(url).origin });
    expect(retried.status).toBeLessThan(300);
    expect(await queue.getJobState("rboom0001")).toMatch(/^(waiting|wait)$/);
  });
});
