// Issue 12 §7: unsigned bodies are bounded. Before, every body up to 25 MB was read whole before its
// signature was checked: 30 connections added 663 MB of RSS. Against the real server (startServer).
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { createHmac } from "node:crypto";
import net from "node:net";
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
 * a server that refuses without reading resets the connection under the sender, as it should. A raw socket,
 * so no HTTP client (nor nock, which other test files in this worker load) stands between test and server.
 */
function post(
  url: string,
  headers: Record<string, string>,
  bytes: number,
  opts: { pauseAfter?: number } = {},
): { answer: Promise<{ status: number; body: string; sent: number }>; finish(): void } {
  let sent = 0;
  let paused = false;
  let pump: () => void = () => undefined;
  // Lifts the pause whether or not the sender has reached it yet (it may still wait for "drain").
  const finishNow = () => {
    opts.pauseAfter = undefined;
    if (paused) {
      paused = false;
      pump();
    }
  };
  const { hostname, port } = new URL(url);
  const answer = new Promise<{ status: number; body: string; sent: number }>((resolve) => {
    let raw = "";
    const socket = net.connect(Number(port), hostname);
    const done = () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? -1);
      resolve({ status, body: raw.slice(raw.indexOf("\r\n\r\n") + 4), sent });
    };
    socket.on("data", (d: Buffer) => (raw += d.toString()));
    socket.on("error", () => undefined);
    socket.on("close", done);
    const head = Object.entries({ host: `${hostname}:${port}`, "content-length": String(bytes), ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.write(`POST /api/github/webhooks HTTP/1.1\r\n${head}\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    pump = () => {
      while (sent < bytes && !socket.destroyed) {
        if (opts.pauseAfter !== undefined && sent >= opts.pauseAfter) return void (paused = true);
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!socket.write(chunk.subarray(0, n))) return void socket.once("drain", pump);
      }
    };
    pump();
  });
  return { answer, finish: () => finishNow() };
}

const base = {
  connection: "close",
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
      // Generous: on a loaded machine pushing 50 MiB through local sockets can take a while.
      new Promise<null>((r) => (timer = setTimeout(() => r(null), 90_000))),
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
  }, 150_000);
});
