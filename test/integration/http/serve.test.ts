// The real server: node:http, our routes and webhook receiver, Probot's handlers, real Redis, GitHub stood in
// by the OpenAPI-checked recorder. Webhooks are signed with the secret, as GitHub signs them.
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import {
  githubApiBaseUrl,
  readAppCredentials,
  startServer,
  type RunningServer,
} from "../../../src/cli/serve.js";
import { generateAppPrivateKey, mockGitHub, type GitHubMock } from "../../helpers/github-api.js";
import { deleteKeys, REDIS_URL, testStore, uniquePrefix } from "../../helpers/redis.js";
import { issueCommentPayload } from "../../helpers/webhook-payloads.js";

const SECRET = "s3cret-for-tests";
const privateKey = generateAppPrivateKey();
const prefix = uniquePrefix("serve");
const cleanup = testStore("serve-cleanup");
let server: RunningServer | undefined;
let gh: GitHubMock | undefined;

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    APP_ID: "123",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    REDIS_URL,
    MAESTRO_REDIS_PREFIX: prefix,
    LOG_LEVEL: "fatal",
    ...extra,
  };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (gh) {
    const problems = gh.problems();
    gh.done();
    gh = undefined;
    expect(problems).toEqual([]);
  }
});
afterAll(async () => {
  await deleteKeys(cleanup.redis, prefix);
  await cleanup.close();
});

async function deliver(
  url: string,
  name: string,
  payload: unknown,
  opts: { path?: string; secret?: string } = {},
): Promise<Response> {
  const body = JSON.stringify(payload);
  const sig =
    "sha256=" +
    createHmac("sha256", opts.secret ?? SECRET)
      .update(body)
      .digest("hex");
  const res = await fetch(`${url}${opts.path ?? "/api/github/webhooks"}`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": name,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": sig,
    },
  });
  await feedbackPosted(url);
  return res;
}

/** Replies and reactions are posted after the answer: wait until serve says none is left. */
async function feedbackPosted(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    if (/^maestro_feedback_pending 0$/m.test(metrics)) return;
    if (Date.now() > deadline) throw new Error("serve's feedback was still being posted after 20 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("startServer", () => {
  it("serves /healthz, /readyz, webhooks and /metrics", async () => {
    gh = mockGitHub({
      owner: "Codertocat",
      repo: "Hello-World",
      state: { permissions: { Codertocat: "write" } },
    });
    server = await startServer({ env: env(), port: 0 });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true });

    const res = await deliver(server.url, "issue_comment", issueCommentPayload({ body: "/maestro help" }));
    expect(res.status).toBe(200);
    expect(
      gh
        .commentsOn(1)
        .map((c) => c.body)
        .join("\n"),
    ).toContain("Maestro commands");

    const bad = await deliver(server.url, "issue_comment", issueCommentPayload({ body: "/maestro help" }), {
      secret: "wrong",
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: string }).error).toContain("WEBHOOK_SECRET");
    expect(gh.commentsOn(1)).toHaveLength(1);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('maestro_webhooks_received_total{event="issue_comment.created"} 1');
    expect(metrics).toContain('maestro_commands_total{verb="help",outcome="accepted"} 1');
    expect(metrics).toMatch(/maestro_queue_jobs\{state="waiting"\} 0/);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    // The webhook path takes POSTs only, and says so.
    const get = await fetch(`${server.url}/api/github/webhooks`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("honours WEBHOOK_PATH", async () => {
    gh = mockGitHub({ owner: "Codertocat", repo: "Hello-World" });
    server = await startServer({ env: env({ WEBHOOK_PATH: "/hooks/gh" }), port: 0 });
    expect(
      (
        await deliver(
          server.url,
          "issues",
          { action: "opened", installation: { id: 1 } },
          { path: "/hooks/gh" },
        )
      ).status,
    ).toBe(200);
    const trailingSlash = await deliver(
      server.url,
      "issues",
      { action: "opened", installation: { id: 1 } },
      { path: "/hooks/gh/" },
    );
    expect(trailingSlash.status).toBe(200);
    expect((await deliver(server.url, "issues", { action: "opened" })).status).toBe(404);
  });

  it("/readyz is 503 with the reason when Redis is unreachable", async () => {
    server = await startServer({ env: env({ REDIS_URL: "redis://127.0.0.1:1" }), port: 0 });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ok: boolean; reason: string };
    expect(body.ok).toBe(false);
    expect(body.reason).toContain("Redis");
  });

  it("talks to GitHub Enterprise Server at GHE_PROTOCOL://GHE_HOST/api/v3", async () => {
    gh = mockGitHub({
      owner: "Codertocat",
      repo: "Hello-World",
      baseUrl: "http://ghe.example.test/api/v3",
      state: { permissions: { Codertocat: "write" } },
    });
    expect(githubApiBaseUrl({ GHE_HOST: "ghe.example.test", GHE_PROTOCOL: "http" })).toBe(
      "http://ghe.example.test/api/v3",
    );
    expect(githubApiBaseUrl({})).toBeUndefined();
    server = await startServer({ env: env({ GHE_HOST: "ghe.example.test", GHE_PROTOCOL: "http" }), port: 0 });
    expect(
      (await deliver(server.url, "issue_comment", issueCommentPayload({ body: "/maestro help" }))).status,
    ).toBe(200);
    expect(gh.requests.map((r) => r.route)).toContain(
      "POST /app/installations/{installation_id}/access_tokens",
    );
    expect(gh.commentsOn(1)).toHaveLength(1);
  });

  it("missing credentials: an Error that names the missing variables", async () => {
    await expect(startServer({ env: { REDIS_URL }, port: 0 })).rejects.toThrow(
      /APP_ID[\s\S]*PRIVATE_KEY or PRIVATE_KEY_PATH[\s\S]*WEBHOOK_SECRET/,
    );
    expect(() => readAppCredentials({ APP_ID: "abc", PRIVATE_KEY: "nope", WEBHOOK_SECRET: "x" })).toThrow(
      /APP_ID must be a number[\s\S]*PRIVATE_KEY is not a PEM/,
    );
    expect(() =>
      readAppCredentials({ APP_ID: "1", PRIVATE_KEY_PATH: "/no/such.pem", WEBHOOK_SECRET: "x" }),
    ).toThrow(/PRIVATE_KEY_PATH \/no\/such.pem cannot be read \(ENOENT\)/);
    const escaped = privateKey.trim().replace(/\n/g, "\\n");
    expect(readAppCredentials({ APP_ID: "1", PRIVATE_KEY: escaped, WEBHOOK_SECRET: "x" }).privateKey).toBe(
      privateKey,
    );
    expect(
      readAppCredentials({
        APP_ID: "1",
        PRIVATE_KEY: Buffer.from(privateKey).toString("base64"),
        WEBHOOK_SECRET: "x",
      }).privateKey,
    ).toBe(privateKey);
  });
});
