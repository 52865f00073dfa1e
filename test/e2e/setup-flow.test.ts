// Issue 15 §1, end to end with real processes: `maestro setup` registers the app on the local GitHub through
// the manifest flow (its page, GitHub's "new app" page, the callback, POST /app-manifests/{code}/conversions
// checked against GitHub's OpenAPI description) and writes .env and the key; a used and an expired code get
// the error page while the server waits; then `maestro serve`, started in that directory with no credentials
// of its own, reads .env, and a `/maestro run` on an installed repository ends in a draft PR.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { Redis } from "ioredis";
import { deleteKeys, REDIS_URL } from "../helpers/redis.js";
import { E2E_AGENT, OWNER, spawnMaestro, type MaestroProcess } from "../support/e2e-world.js";
import { startLocalGitHub, type LocalGitHub } from "../support/local-github/index.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "src/cli/bin.ts");
const TSX = path.join(ROOT, "node_modules/tsx/dist/loader.mjs");
const CONVERSION = "POST /app-manifests/{code}/conversions";

const PLAYBOOK =
  "# Docs\n\nWrite the pages the tasks name.\n\n- [ ] Write `docs/one.md`\n- [ ] Write `docs/two.md`\n";

let gh: LocalGitHub;
let tmp: string;
let dir: string;
let redis: Redis;
const prefix = `{mtest-e2e-setup-${process.pid}-${randomBytes(4).toString("hex")}}`;
let setup: ChildProcess | undefined;
let serve: MaestroProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  gh = await startLocalGitHub({ appId: 27182, appSlug: "maestro-e2e-setup" });
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-e2e-setup-")));
  dir = path.join(tmp, "ops");
  fs.mkdirSync(dir);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
}, 60_000);

afterAll(async () => {
  if (setup && setup.exitCode === null && setup.signalCode === null) setup.kill("SIGTERM");
  await serve?.stop("SIGTERM").catch(() => undefined);
  await deleteKeys(redis, prefix).catch(() => undefined);
  await redis.quit().catch(() => redis.disconnect());
  await gh.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** What the browser does with the hand-off page: POST its form to GitHub; GitHub's redirect back (the callback). */
async function throughGitHub(action: string, manifest: string): Promise<string> {
  const res = await fetch(action, {
    method: "POST",
    body: new URLSearchParams({ manifest }),
    redirect: "manual",
  });
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

describe("maestro setup → .env → maestro serve → a draft PR", () => {
  it("registers the app through the manifest flow, survives a used and an expired code, and serve runs from its .env", async () => {
    const servePort = await freePort();
    const webhookUrl = `http://127.0.0.1:${servePort}/api/github/webhooks`;

    // 1. maestro setup, in the operator's directory, pointed at the local GitHub (a GitHub Enterprise Server).
    setup = spawn(
      process.execPath,
      ["--import", TSX, BIN, "setup", "--port", "0", "--webhook-url", webhookUrl],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: tmp,
          GHE_HOST: gh.host,
          GHE_PROTOCOL: "http",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    setup.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    setup.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const setupExit = new Promise<number | string>((resolve) =>
      setup!.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
    );
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`maestro setup did not start:\n${out}`)), 30_000);
      const check = () => {
        const m = /open (http:\/\/\S+)\/ in a browser/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      setup!.stdout!.on("data", check);
      void setupExit.then((code) => reject(new Error(`maestro setup exited (${code}):\n${out}`)));
    });

    // 2. The page, and the click on "Register GitHub App" (personal account).
    const start = await fetch(`${base}/`);
    expect(start.status).toBe(200);
    expect(await start.text()).toContain("Register GitHub App");
    const handOff = await (
      await fetch(`${base}/register`, {
        method: "POST",
        body: new URLSearchParams({ owner: "personal", name: "Maestro e2e" }),
      })
    ).text();
    const action = unescapeHtml(/<form id="to-github" method="post" action="([^"]+)"/.exec(handOff)![1]!);
    const manifest = unescapeHtml(/name="manifest" value="([^"]*)"/.exec(handOff)![1]!);
    expect(action).toMatch(new RegExp(`^${gh.url}/settings/apps/new\\?state=[0-9a-f]{32}$`));
    expect(JSON.parse(manifest)).toMatchObject({
      name: "Maestro e2e",
      hook_attributes: { url: webhookUrl },
      redirect_url: `${base}/callback`,
      public: false,
    });

    // 3. A code someone already used (another tab): GitHub's 404, an error page, and the server waits on.
    const usedCallback = await throughGitHub(action, manifest);
    const usedCode = new URL(usedCallback).searchParams.get("code")!;
    expect(
      (await fetch(`${gh.apiUrl}/app-manifests/${usedCode}/conversions`, { method: "POST" })).status,
    ).toBe(201);
    const usedPage = await fetch(usedCallback);
    expect(usedPage.status).toBe(410);
    expect(await usedPage.text()).toMatch(/expired \(codes last one hour\) or was already used/);
    expect((await fetch(`${base}/`)).status).toBe(200);

    // 4. A code that expired while the browser was away: the same.
    const lateCallback = await throughGitHub(action, manifest);
    gh.expireManifestCodes();
    expect((await fetch(lateCallback)).status).toBe(410);

    // 5. Register again: the code converts, .env and the key are written, setup says what is next and ends.
    const done = await fetch(await throughGitHub(action, manifest));
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("GitHub App registered");
    expect(await setupExit).toBe(0);
    expect(
      gh
        .requests()
        .filter((r) => r.route === CONVERSION)
        .map((r) => r.status),
    ).toEqual([201, 404, 404, 201]);

    const env = parseEnv(fs.readFileSync(path.join(dir, ".env"), "utf8"));
    const keyFile = path.join(dir, `maestro-e2e-setup.${gh.appId}.private-key.pem`);
    expect(env).toEqual({
      APP_ID: String(gh.appId),
      PRIVATE_KEY_PATH: keyFile,
      WEBHOOK_SECRET: gh.webhookSecret,
      GITHUB_CLIENT_ID: expect.any(String),
      GITHUB_CLIENT_SECRET: expect.any(String),
      MAESTRO_APP_SLUG: "maestro-e2e-setup",
      GHE_HOST: gh.host,
      GHE_PROTOCOL: "http",
    });
    expect(fs.statSync(path.join(dir, ".env")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, "utf8")).toBe(
      gh.privateKey.endsWith("\n") ? gh.privateKey : `${gh.privateKey}\n`,
    );
    // The key and the secrets never reach the terminal.
    for (const secret of [gh.privateKey.split("\n")[1]!, gh.webhookSecret, env.GITHUB_CLIENT_SECRET!])
      expect(out).not.toContain(secret);
    expect(out).toContain(
      `install the app on the repositories Maestro may work on: ${gh.url}/apps/maestro-e2e-setup/installations/new`,
    );
    expect(out).toContain(`in ${dir}, start maestro serve`);

    // 6. maestro serve in that directory: no app credentials of its own, only Redis, storage and agent policy.
    const dataDir = path.join(tmp, "data");
    fs.mkdirSync(dataDir);
    serve = await spawnMaestro(
      "serve",
      {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: tmp,
        LANG: "C.UTF-8",
        LOG_LEVEL: "warn",
        REDIS_URL,
        MAESTRO_REDIS_PREFIX: prefix,
        MAESTRO_DATA_DIR: dataDir,
        GIT_CONFIG_NOSYSTEM: "1",
        MAESTRO_REPO_AGENT_COMMAND: "allow",
        MAESTRO_SANDBOX_READ_PATHS: path.join(ROOT, "test/fixtures/agents"),
      },
      { port: servePort, cwd: dir },
    );
    expect(serve.output()).toContain(
      `maestro: read ${path.join(dir, ".env")} (APP_ID, GHE_HOST, GHE_PROTOCOL, GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, MAESTRO_APP_SLUG, PRIVATE_KEY_PATH, WEBHOOK_SECRET)`,
    );

    // 7. The app installed on a repository; a maintainer's `/maestro run docs` (delivered where the manifest said).
    await gh.createRepo({
      owner: OWNER,
      name: "after-setup",
      files: {
        "README.md": "# after-setup\n",
        ".github/maestro.yml": `agent: command\nagentCommand: ${JSON.stringify(`node ${E2E_AGENT}`)}\nlimits:\n  taskTimeoutMinutes: 2\n`,
        ".github/maestro/playbooks/docs.md": PLAYBOOK,
      },
    });
    const repo = `${OWNER}/after-setup`;
    gh.addCollaborator(repo, "alice", "write");
    const issue = gh.createIssue(repo, { title: "Document it", user: "alice" });
    const { delivery } = await gh.postComment(repo, issue.number, "/maestro run docs", { user: "alice" });
    // No setWebhookUrl anywhere: the delivery went to the manifest's webhook URL, where serve listens.
    expect([200, 202]).toContain(delivery!.status);

    const deadline = Date.now() + 90_000;
    while (gh.pulls(repo).length === 0) {
      if (Date.now() > deadline)
        throw new Error(
          `no pull request after 90 s.\nproblems: ${JSON.stringify(gh.problems())}\nserve:\n${serve.output().slice(-4000)}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    const [pr, ...others] = gh.pulls(repo);
    expect(others).toEqual([]);
    expect(pr).toMatchObject({ draft: true, state: "open", user: "maestro-e2e-setup[bot]", base: "main" });
    expect(await gh.branchCommits(repo, pr!.head)).toHaveLength(2);
    expect(gh.problems()).toEqual([]);
  }, 240_000);
});
