// The verified delivery's way to the handlers: answers as @octokit/webhooks' middleware does, over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  receiveVerifiedWebhook,
  type WebhookEvent,
  type WebhookReceiverDeps,
} from "../../../src/http/webhook-receiver.js";

let server: Server;
let url: string;
let deps: WebhookReceiverDeps;
const received: WebhookEvent[] = [];
const logged: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => void receiveVerifiedWebhook(deps, req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function depsWith(receive: WebhookReceiverDeps["receive"], timeoutMs?: number): WebhookReceiverDeps {
  received.length = 0;
  logged.length = 0;
  return {
    receive: async (e) => {
      received.push(e);
      await receive(e);
    },
    log: { error: (o) => logged.push(o) },
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

const HEADERS = {
  "content-type": "application/json",
  "x-github-event": "issue_comment",
  "x-github-delivery": "d-1",
};

async function post(body: string, headers: Record<string, string> = HEADERS) {
  const r = await fetch(url, { method: "POST", body, headers });
  return { status: r.status, text: await r.text() };
}

describe("receiveVerifiedWebhook", () => {
  it("gives the handlers the event, delivery id and parsed payload, then answers 200 ok", async () => {
    deps = depsWith(async () => undefined);
    expect(await post('{"action":"created","n":1}')).toEqual({ status: 200, text: "ok\n" });
    expect(received).toEqual([{ id: "d-1", name: "issue_comment", payload: { action: "created", n: 1 } }]);
  });

  it("415 without a JSON content type, 400 without the event or delivery header; no handler runs", async () => {
    deps = depsWith(async () => undefined);
    const noType = await post("{}", { ...HEADERS, "content-type": "text/plain" });
    expect(noType.status).toBe(415);
    expect(noType.text).toContain('Must be \\"application/json\\"');
    const { "x-github-delivery": _d, ...noDelivery } = HEADERS;
    const missing = await post("{}", noDelivery);
    expect(missing).toEqual({
      status: 400,
      text: JSON.stringify({ error: "Required headers missing: x-github-delivery" }),
    });
    expect(received).toEqual([]);
  });

  it("400 for a body that is not JSON or not a JSON object", async () => {
    deps = depsWith(async () => undefined);
    expect((await post('{"action":')).status).toBe(400);
    expect((await post("5")).status).toBe(400);
    expect((await post("null")).status).toBe(400);
    expect((await post("[1]")).status).toBe(400);
    expect(received).toEqual([]);
  });

  it("a handler error: its status and message (the first of an AggregateError), 500 when it has none; logged", async () => {
    deps = depsWith(async () => {
      throw new AggregateError([Object.assign(new Error("teapot"), { status: 418 }), new Error("second")]);
    });
    expect(await post("{}")).toEqual({ status: 418, text: JSON.stringify({ error: "Error: teapot" }) });
    expect(logged).toHaveLength(1);
    deps = depsWith(async () => {
      throw new TypeError("boom");
    });
    expect(await post("{}")).toEqual({ status: 500, text: JSON.stringify({ error: "TypeError: boom" }) });
  });

  it("202 still processing when the handlers outlast the timeout; a later failure is still logged", async () => {
    let fail!: (e: Error) => void;
    deps = depsWith(() => new Promise<void>((_, reject) => (fail = reject)), 50);
    expect(await post("{}")).toEqual({ status: 202, text: "still processing\n" });
    fail(new Error("late"));
    await new Promise((r) => setTimeout(r, 20));
    expect(logged).toHaveLength(1);
  });
});
