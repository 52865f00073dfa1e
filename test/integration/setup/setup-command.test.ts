// `maestro setup` in process against the local GitHub: the local GitHub's half of the manifest flow (the "new
// app" page and POST /app-manifests/{code}/conversions, checked against GitHub's OpenAPI description), the
// setup server's pages and refusals, and serve's pointer to setup when there are no credentials.
// The whole flow with real processes, through to a draft PR: test/e2e/setup-flow.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { main } from "../../../src/cli/main.js";
import { readAppCredentials } from "../../../src/cli/serve.js";
import { ConversionError, convertManifestCode } from "../../../src/setup/conversion.js";
import { buildManifest, readAppDefinition } from "../../../src/setup/manifest.js";
import { startLocalGitHub, type LocalGitHub } from "../../support/local-github/index.js";

let gh: LocalGitHub;
let tmp: string;

beforeAll(async () => {
  gh = await startLocalGitHub({ appId: 5151, appSlug: "maestro-setup-test" });
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-setup-it-")));
});
afterAll(async () => {
  await gh.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function manifest(hook = "https://hooks.example/api/github/webhooks") {
  return buildManifest(readAppDefinition(), {
    webhookUrl: hook,
    redirectUrl: "http://127.0.0.1:9/callback",
  }) as unknown as Record<string, unknown>;
}

/** POSTs the manifest form to the local GitHub's "new app" page as a browser would; GitHub's redirect. */
async function submitToGitHub(action: string, m: unknown): Promise<Response> {
  return fetch(action, {
    method: "POST",
    body: new URLSearchParams({ manifest: JSON.stringify(m) }),
    redirect: "manual",
  });
}

describe("local GitHub: registering an app from a manifest", () => {
  it("the new-app page sends the browser back with a code and the state; the code converts once", async () => {
    const hits: string[] = [];
    const hookServer = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url} ${String(req.headers["x-github-event"])}`);
      req.resume();
      res.end("ok");
    });
    await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
    const hook = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/api/github/webhooks`;

    const res = await submitToGitHub(
      `${gh.url}/organizations/acme/settings/apps/new?state=st-1`,
      manifest(hook),
    );
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe("http://127.0.0.1:9/callback");
    expect(back.searchParams.get("state")).toBe("st-1");
    const code = back.searchParams.get("code")!;

    const app = await convertManifestCode(gh.apiUrl, code);
    expect(app).toMatchObject({
      id: 5151,
      slug: "maestro-setup-test",
      name: "Maestro",
      htmlUrl: `${gh.url}/apps/maestro-setup-test`,
      webhookSecret: gh.webhookSecret,
      pem: gh.privateKey,
    });
    expect(app.clientId).not.toBe("");
    expect(app.clientSecret).not.toBe("");
    const conversion = gh.requests().find((r) => r.route === "POST /app-manifests/{code}/conversions")!;
    expect(conversion).toMatchObject({ status: 201, auth: "anonymous" });

    // GitHub now delivers to the manifest's webhook URL.
    await gh.sendWebhook("ping", { zen: "hi" });
    expect(hits).toEqual(["POST /api/github/webhooks ping"]);
    hookServer.close();

    // Codes work once: GitHub's 404, which setup explains.
    const again = await convertManifestCode(gh.apiUrl, code).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConversionError);
    expect(again).toMatchObject({ kind: "expired" });
    expect((again as Error).message).toMatch(/expired \(codes last one hour\) or was already used/);
    expect(gh.problems()).toEqual([]);
  });

  it("expired and unknown codes get 404 too; none of it is a problem", async () => {
    const code = gh.manifestCode(manifest());
    gh.expireManifestCodes();
    await expect(convertManifestCode(gh.apiUrl, code)).rejects.toMatchObject({ kind: "expired" });
    await expect(convertManifestCode(gh.apiUrl, "never-issued")).rejects.toMatchObject({ kind: "expired" });
    const statuses = gh
      .requests()
      .filter((r) => r.route === "POST /app-manifests/{code}/conversions")
      .map((r) => r.status);
    expect(statuses.slice(-2)).toEqual([404, 404]);
    expect(gh.problems()).toEqual([]);
  });

  it("a manifest GitHub would refuse is a problem", async () => {
    // Its own local GitHub: this one's problems are the point.
    const other = await startLocalGitHub();
    try {
      const res = await submitToGitHub(`${other.url}/settings/apps/new?state=x`, {
        name: "x",
        hook_attributes: {},
      });
      expect(res.status).toBe(422);
      expect(other.problems()).toEqual([
        expect.stringMatching(/settings\/apps\/new: GitHub would refuse this manifest: url .* is required/),
      ]);
      expect(() => other.manifestCode({ url: "ftp://x" })).toThrow(/would refuse/);
    } finally {
      await other.close();
    }
  });

  it("cannot reach GitHub: said as such", async () => {
    await expect(convertManifestCode("http://127.0.0.1:9/api/v3", "c")).rejects.toMatchObject({
      kind: "unreachable",
      message: expect.stringMatching(/Cannot reach GitHub at http:\/\/127.0.0.1:9\/api\/v3/),
    });
  });
});

interface Capture {
  stream: PassThrough;
  text(): string;
}
function capture(): Capture {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

/** `maestro setup ARGS` in process, in `dir`; resolves once it printed its URL. */
async function startSetup(dir: string, args: string[], env: Record<string, string>) {
  const out = capture();
  const err = capture();
  const controller = new AbortController();
  const exit = main(["setup", "--port", "0", ...args], {
    stdout: out.stream,
    stderr: err.stream,
    env: { PATH: process.env.PATH ?? "", ...env },
    cwd: dir,
    signal: controller.signal,
  });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /open (http:\/\/\S+)\/ in a browser/.exec(out.text());
      if (m) {
        clearInterval(t);
        resolve(m[1]!);
      }
    }, 20);
    void exit.then((code) => {
      clearInterval(t);
      reject(new Error(`setup exited ${code}: ${out.text()}${err.text()}`));
    });
  });
  return { url, exit, out, err, stop: () => controller.abort() };
}

function hiddenManifest(html: string): { action: string; manifest: Record<string, unknown> } {
  const action = /<form id="to-github" method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, "&");
  const raw = /name="manifest" value="([^"]*)"/.exec(html)![1]!;
  const text = raw
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
  return { action, manifest: JSON.parse(text) as Record<string, unknown> };
}

describe("maestro setup: the local server", () => {
  const ghEnv = () => ({ GHE_HOST: gh.host, GHE_PROTOCOL: "http" });

  it("refuses to start without a webhook URL GitHub can reach, and names the ways to give one", async () => {
    const out = capture();
    const err = capture();
    const code = await main(["setup"], { stdout: out.stream, stderr: err.stream, env: {}, cwd: tmp });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/--webhook-url URL: a smee\.io channel.*MAESTRO_PUBLIC_URL/s);
  });

  it("refuses to start when .env already holds app credentials (before anything reaches GitHub)", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "has-env-"));
    fs.writeFileSync(path.join(dir, ".env"), "APP_ID=3\nWEBHOOK_SECRET=x\n");
    const out = capture();
    const err = capture();
    const code = await main(["setup", "--webhook-url", "https://smee.io/x"], {
      stdout: out.stream,
      stderr: err.stream,
      env: {},
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/already holds GitHub App credentials \(APP_ID, WEBHOOK_SECRET\).*--force/);
  });

  it("serves the start page, hands the manifest to the org's new-app page, checks the state, explains a used code, then writes .env", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "flow-"));
    // MAESTRO_PUBLIC_URL from the .env already there gives the webhook URL.
    fs.writeFileSync(path.join(dir, ".env"), "MAESTRO_PUBLIC_URL=https://maestro.example.com/\n");
    const s = await startSetup(dir, ["--name", "Maestro acme"], ghEnv());
    expect(s.out.text()).toContain("webhooks will go to https://maestro.example.com/api/github/webhooks");

    const page = await fetch(`${s.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain(`form-action 'self' ${gh.url}`);
    const html = await page.text();
    expect(html).toContain('action="/register"');
    expect(html).toContain('value="Maestro acme"');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);

    // DNS rebinding: another host name is refused.
    const rebound = await new Promise<number>((resolve) =>
      http.get(`${s.url}/`, { headers: { host: "evil.example:80" } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      }),
    );
    expect(rebound).toBe(421);

    const bad = await fetch(`${s.url}/register`, {
      method: "POST",
      body: new URLSearchParams({ owner: "org", org: "", name: "Maestro acme" }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Name the organization.");

    const handOff = await fetch(`${s.url}/register`, {
      method: "POST",
      body: new URLSearchParams({ owner: "org", org: "acme", name: "Maestro acme" }),
    });
    const { action, manifest: m } = hiddenManifest(await handOff.text());
    expect(action).toMatch(
      new RegExp(`^${gh.url}/organizations/acme/settings/apps/new\\?state=[0-9a-f]{32}$`),
    );
    expect(m).toMatchObject({
      name: "Maestro acme",
      public: false,
      hook_attributes: { url: "https://maestro.example.com/api/github/webhooks", active: true },
      redirect_url: `${s.url}/callback`,
    });

    const state = new URL(action).searchParams.get("state")!;
    // A callback without this server's state is refused.
    const forged = await fetch(`${s.url}/callback?code=abc&state=other`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("Not from this setup page");

    // A code already used elsewhere: GitHub's 404, explained; the server goes on.
    const used = gh.manifestCode(m);
    await convertManifestCode(gh.apiUrl, used);
    const usedPage = await fetch(`${s.url}/callback?code=${used}&state=${state}`);
    expect(usedPage.status).toBe(410);
    expect(await usedPage.text()).toMatch(/expired \(codes last one hour\) or was already used/);
    expect(s.err.text()).toMatch(/was already used.*still waiting at/);

    const redirect = await submitToGitHub(action, m);
    const back = redirect.headers.get("location")!;
    const done = await fetch(back);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`${gh.url}/apps/maestro-setup-test/installations/new`);
    expect(await s.exit).toBe(0);

    const envText = fs.readFileSync(path.join(dir, ".env"), "utf8");
    expect(envText).toContain("MAESTRO_PUBLIC_URL=https://maestro.example.com/\n");
    expect(envText).toContain(`GHE_HOST=${gh.host}\nGHE_PROTOCOL=http\n`);
    expect(s.out.text()).toContain(
      `install the app on the repositories Maestro may work on: ${gh.url}/apps/maestro-setup-test/installations/new`,
    );
    // Never printed: the key, the secrets.
    for (const secret of [gh.privateKey.split("\n")[1]!, gh.webhookSecret])
      expect(s.out.text() + s.err.text()).not.toContain(secret);
    expect(gh.problems()).toEqual([]);
  });

  it("Ctrl-C before GitHub answered: exit 1, nothing written", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "stop-"));
    const s = await startSetup(dir, ["--webhook-url", "https://smee.io/abc"], ghEnv());
    s.stop();
    expect(await s.exit).toBe(1);
    expect(s.err.text()).toContain("no app was registered");
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("maestro serve without credentials", () => {
  it("points to maestro setup", () => {
    expect(() => readAppCredentials({})).toThrow(/Run `maestro setup` in this directory/);
    // Credentials that are there but wrong need fixing, not setup.
    expect(() => readAppCredentials({ APP_ID: "x", PRIVATE_KEY: "nope", WEBHOOK_SECRET: "s" })).not.toThrow(
      /maestro setup/,
    );
  });
});
