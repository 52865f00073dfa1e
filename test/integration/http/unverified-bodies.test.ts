// Issue 12 §7: unsigned bodies are bounded. Before, every body up to 25 MB was read whole before its
// signature was checked: 30 connections added 663 MB of RSS. Against the real server (startServer).
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { createHmac } from "node:crypto";
import http from "node:http";
import { startServer, type RunningServer } from "../../../src/cli/serve.js";
import {
  MAX_WEBHOOK_BYTES,
  UNVERIFIED_BUDGET_BYTES,
  unverifiedBodyBytes,
} from "../../../src/http/webhook-signature.js";
import { generateAppPrivateKey } from "../../helpers/github-api.js";
import { deleteKeys, REDIS_URL, testStore, uniquePrefix } from "../../helpers/redis.js";

const SECRET = "s3cret-for-tests";
const prefix = uniquePrefix("unverified");
const cleanup = testStore("unverified-cleanup");
let server: RunningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await deleteKeys(cleanup.redis, prefix);
  await cleanup.close();
});

async function start(): Promise<string> {
  server = await startServer({
    env: {
      APP_ID: "123",
      PRIVATE_KEY: generateAppPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      REDIS_URL,
      MAESTRO_REDIS_PREFIX: prefix,
      MAESTRO_SANDBOX: "off",
      LOG_LEVEL: "fatal",
    },
    port: 0,
  });
  // Ready (Redis connected) before anything: a server closed while BullMQ still connects reports an error.
  for (let i = 0; i < 100 && (await fetch(`${server.url}/readyz`)).status !== 200; i++)
    await new Promise((r) => setTimeout(r, 50));
  return server.url;
}

/**
 * POSTs `headers`, then streams `bytes` of body in 1 MiB chunks unless the server answers first. Resolves
 * with the answer's status (or -1 when the server closed the connection before one was read); never rejects:
 * a server that refuses without reading resets the connection under the sender, as it should.
 */
function post(
  url: string,
  headers: Record<string, string>,
  bytes: number,
  opts: { pauseAfter?: number } = {},
): { answer: Promise<{ status: number; body: string; sent: number }>; finish(): void } {
  let sent = 0;
  let finishNow: () => void = () => undefined;
  const answer = new Promise<{ status: number; body: string; sent: number }>((resolve) => {
    let status = -1;
    let body = "";
    const done = () => resolve({ status, body, sent });
    const req = http.request(
      `${url}/api/github/webhooks`,
      { method: "POST", headers, agent: false },
      (res) => {
        status = res.statusCode ?? -1;
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("error", done);
        res.on("end", done);
        res.on("close", done);
      },
    );
    req.on("error", done);
    req.on("close", () => setTimeout(done, 50));
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        if (opts.pauseAfter !== undefined && sent >= opts.pauseAfter) {
          finishNow = () => {
            opts.pauseAfter = undefined;
            pump();
          };
          return;
        }
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
  return { answer, finish: () => finishNow() };
}

const base = {
  "content-type": "application/json",
  "x-github-event": "issue_comment",
  "x-github-delivery": "d-1",
};

describe("unsigned webhook bodies are bounded", () => {
  it("no or a malformed signature header: 401 before the body is read", async () => {
    const url = await start();
    const none = await post(url, base, 20 * 1024 * 1024).answer;
    expect(none.status === 401 || none.status === -1).toBe(true);
    expect(unverifiedBodyBytes().now).toBe(0);
    const malformed = await post(url, { ...base, "x-hub-signature-256": "sha256=zz" }, 1024).answer;
    expect(malformed.status).toBe(401);
    expect(malformed.body).toMatch(/malformed X-Hub-Signature-256/);
  });

  it("a body announced past the cap: 413 unread", async () => {
    const url = await start();
    const r = await post(
      url,
      {
        ...base,
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
        "content-length": String(MAX_WEBHOOK_BYTES + 1),
      },
      2 * 1024 * 1024,
    ).answer;
    expect([413, -1]).toContain(r.status);
    expect(unverifiedBodyBytes().now).toBe(0);
  });

  it("many large unsigned bodies at once share one budget: past it 503 with Retry-After, and it is all given back", async () => {
    const url = await start();
    const sig = { ...base, "x-hub-signature-256": `sha256=${"0".repeat(64)}` };
    const each = 20 * 1024 * 1024;
    // Five senders stall after 18 MiB each: 90 MiB would be held without the budget (it is 50 MiB).
    const senders = Array.from({ length: 5 }, () => post(url, sig, each, { pauseAfter: 18 * 1024 * 1024 }));
    const answers = senders.map((s) => s.answer);
    let timer: NodeJS.Timeout | undefined;
    const early = await Promise.race([
      Promise.any(
        answers.map((a) => a.then((r) => (r.status === 503 ? r : Promise.reject(new Error("not 503"))))),
      ),
      new Promise<null>((r) => (timer = setTimeout(() => r(null), 20_000))),
    ]);
    clearTimeout(timer);
    expect(early?.status).toBe(503);
    expect(unverifiedBodyBytes().peak).toBeLessThanOrEqual(UNVERIFIED_BUDGET_BYTES);
    for (const s of senders) s.finish();
    const all = await Promise.all(answers);
    expect(all.map((a) => a.status).filter((s) => s === 401).length).toBeGreaterThan(0);
    expect(unverifiedBodyBytes().now).toBe(0);
    // Still serving, and a signed delivery goes through.
    const body = JSON.stringify({ action: "created", zen: "x", hook_id: 1 });
    const good = await fetch(`${url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        ...base,
        connection: "close",
        "x-github-event": "ping",
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    expect(good.status).toBe(200);
  }, 60_000);
});
