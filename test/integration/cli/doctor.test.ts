// `maestro doctor` against stand-ins of what a deployment talks to: the app's key checked by GET /app on a local
// GitHub (which knows the app's public key: another key gets 401), a Redis of the test's own that evicts keys,
// and the public URL's /healthz. Each failure with the message and the fix it prints; exit 3 on a ✗.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { doctorCommand } from "../../../src/cli/commands/doctor.js";
import { freePort } from "../../support/e2e-drills.js";
import { startLocalGitHub, type LocalGitHub } from "../../support/local-github/index.js";

let gh: LocalGitHub;
let tmp: string;

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await doctorCommand({
    stdout,
    stderr: new PassThrough(),
    // codex answers --version in ≈ 0.1 s (the real CLI, node_modules/.bin); the others are unit-tested.
    env: {
      PATH: process.env.PATH!,
      HOME: tmp,
      MAESTRO_DATA_DIR: tmp,
      MAESTRO_ALLOWED_AGENTS: "codex",
      ...env,
    },
    cwd: tmp,
  });
  return { code, out };
}

/** A redis-server of this test's own (the shared one's config is never touched), e.g. with an evicting policy. */
async function startRedis(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(tmp, "redis-"));
  const p: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const exited = new Promise<void>((r) => p.on("exit", () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    p.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`redis-server exited:\n${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      p.kill("SIGKILL");
      await exited;
    },
  };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-doctor-int-"));
  gh = await startLocalGitHub({ appId: 4711, webhookSecret: "a-webhook-secret-of-some-length" });
});

afterAll(async () => {
  await gh?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The deployment's variables, pointing at the local GitHub (GHE_HOST/GHE_PROTOCOL, as serve uses them). */
const deployment = (): Record<string, string> => {
  const { GHE_HOST, GHE_PROTOCOL, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET } = gh.env();
  return {
    GHE_HOST: GHE_HOST!,
    GHE_PROTOCOL: GHE_PROTOCOL!,
    APP_ID: APP_ID!,
    PRIVATE_KEY: PRIVATE_KEY!,
    WEBHOOK_SECRET: WEBHOOK_SECRET!,
  };
};

describe("maestro doctor: the GitHub App", () => {
  it("passes when GitHub accepts the app's JWT (GET /app)", async () => {
    const r = await doctor(deployment());
    expect(r.out).toContain(
      `✓ GitHub App: the key signs for app ${gh.appSlug} (APP_ID 4711) at ${gh.apiUrl}\n✓ webhook secret: WEBHOOK_SECRET is set\n`,
    );
    expect(gh.requests().some((q) => q.route === "GET /app" && q.status === 200)).toBe(true);
    expect(gh.problems()).toEqual([]);
  });

  it("fails (exit 3) with the fix when the key is not the app's: GitHub answers 401", async () => {
    const before = gh.problems().length;
    const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    const r = await doctor({ ...deployment(), PRIVATE_KEY: otherKey });
    expect(r.code).toBe(3);
    expect(r.out).toMatch(
      /^✗ GitHub App: GitHub refused the app's JWT \(GET \/app → 401: .+\): the private key is not a current key of app 4711, or APP_ID is wrong\n {2}fix: on the app's settings page check the App ID, generate a new private key and point PRIVATE_KEY_PATH at the downloaded \.pem/m,
    );
    expect(r.out).not.toContain("BEGIN RSA PRIVATE KEY");
    // The refusal was provoked on purpose: the local GitHub lists it.
    expect(gh.problems().slice(before)).toEqual([expect.stringMatching(/GET \/app: 401/)]);
  });

  it("fails on credentials that cannot be read, and on a missing webhook secret", async () => {
    const r = await doctor({
      ...deployment(),
      PRIVATE_KEY: "",
      PRIVATE_KEY_PATH: path.join(tmp, "missing.pem"),
      WEBHOOK_SECRET: "",
    });
    expect(r.code).toBe(3);
    expect(r.out).toMatch(
      /^✗ GitHub App: PRIVATE_KEY_PATH .*missing\.pem cannot be read \(ENOENT\)\n {2}fix: /m,
    );
    expect(r.out).toMatch(
      /^✗ webhook secret: WEBHOOK_SECRET is not set: serve refuses to start without it .*\n {2}fix: set WEBHOOK_SECRET to the secret entered on the app's settings page/m,
    );
  });
});

describe("maestro doctor: Redis", () => {
  it("fails (exit 3) on a Redis whose maxmemory-policy evicts keys, and warns when it persists nothing", async () => {
    const redis = await startRedis([
      "--maxmemory-policy",
      "allkeys-lru",
      "--maxmemory",
      "64mb",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
    try {
      const r = await doctor({ ...deployment(), REDIS_URL: redis.url });
      expect(r.code).toBe(3);
      expect(r.out).toMatch(
        new RegExp(`^✓ Redis: ${redis.url} answers \\(Redis \\d+\\.\\d+\\.\\d+\\)$`, "m"),
      );
      expect(r.out).toContain(
        "✗ Redis eviction: maxmemory-policy is allkeys-lru (maxmemory 64.00M): under memory pressure Redis deletes keys, and BullMQ's queued runs and locks are keys: runs would vanish or run twice\n" +
          "  fix: set maxmemory-policy noeviction: `redis-cli CONFIG SET maxmemory-policy noeviction` now and `maxmemory-policy noeviction` in redis.conf (managed Redis: its parameter group) so it survives a restart\n",
      );
      expect(r.out).toMatch(
        /^! Redis persistence: no persistence \(appendonly no, save ""\): a Redis restart loses every queued and running run\n {2}fix: turn on the append-only file/m,
      );
    } finally {
      await redis.stop();
    }
  });

  it("passes a Redis with noeviction and the append-only file", async () => {
    const redis = await startRedis(["--maxmemory-policy", "noeviction", "--save", "", "--appendonly", "yes"]);
    try {
      const r = await doctor({ ...deployment(), REDIS_URL: redis.url });
      expect(r.out).toMatch(/^✓ Redis eviction: maxmemory-policy noeviction$/m);
      expect(r.out).toMatch(/^✓ Redis persistence: append-only file on$/m);
    } finally {
      await redis.stop();
    }
  });

  it("fails when the deployment's Redis does not answer", async () => {
    const port = await freePort();
    const r = await doctor({ ...deployment(), REDIS_URL: `redis://:hunter2hunter2@127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(r.out).toMatch(
      new RegExp(
        `^✗ Redis: redis://\\*\\*\\*@127\\.0\\.0\\.1:${port} does not answer \\(.*\\); serve and worker need it`,
        "m",
      ),
    );
    expect(r.out).toMatch(/^ {2}fix: start Redis/m);
    expect(r.out).not.toContain("hunter2");
  });
});

describe("maestro doctor: the public URL", () => {
  it("checks /healthz answers at MAESTRO_PUBLIC_URL and that links can be signed", async () => {
    const server = http.createServer((req, res) => {
      if (req.url === "/healthz")
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const signed = await doctor({
        ...deployment(),
        MAESTRO_PUBLIC_URL: url,
        MAESTRO_LOG_SIGNING_KEY: "k".repeat(32),
      });
      expect(signed.out).toMatch(
        new RegExp(
          `^✓ public URL: ${url}/healthz answers; links are signed \\(MAESTRO_LOG_SIGNING_KEY set\\)$`,
          "m",
        ),
      );
      const unsigned = await doctor({ ...deployment(), MAESTRO_PUBLIC_URL: url });
      expect(unsigned.out).toMatch(
        /^! public URL: .*\/healthz answers, but MAESTRO_LOG_SIGNING_KEY is not set: no links are made without a key to sign them\n {2}fix: set MAESTRO_LOG_SIGNING_KEY/m,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
    const gone = await doctor({
      ...deployment(),
      MAESTRO_PUBLIC_URL: url,
      MAESTRO_LOG_SIGNING_KEY: "k".repeat(32),
    });
    expect(gone.out).toMatch(
      /^! public URL: .*\/healthz is unreachable from here \(.*\): run-log links would not open\n {2}fix: start `maestro serve`/m,
    );
    const none = await doctor(deployment());
    expect(none.out).toMatch(
      /^! public URL: MAESTRO_PUBLIC_URL is not set: pull requests and status comments get no links/m,
    );
  });
});
