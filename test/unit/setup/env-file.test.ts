// `maestro setup` writes the app's key (0600, never over another file) and .env (0600), keeping .env's other
// lines, and never replaces credentials already there without --force.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import {
  assertEnvWritable,
  credentialVarsIn,
  envValue,
  renderEnv,
  writeCredentials,
  type RegisteredApp,
} from "../../../src/setup/env-file.js";

const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\ndef==\n-----END RSA PRIVATE KEY-----\n";
const APP: RegisteredApp = {
  id: 4242,
  slug: "maestro-acme",
  name: "Maestro acme",
  htmlUrl: "https://github.com/apps/maestro-acme",
  clientId: "Iv23.abc",
  clientSecret: "cs-secret-value",
  webhookSecret: "wh-secret-value",
  pem: PEM,
};

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-setup-env-")));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe("writing the app's credentials", () => {
  it("writes the key to <slug>.<id>.private-key.pem and .env with PRIVATE_KEY_PATH, both mode 0600", () => {
    const w = writeCredentials(dir, APP, { force: false, now: new Date("2026-03-04T00:00:00Z") });
    expect(w.keyFile).toBe(path.join(dir, "maestro-acme.4242.private-key.pem"));
    expect(w.envFile).toBe(path.join(dir, ".env"));
    expect(fs.readFileSync(w.keyFile, "utf8")).toBe(PEM);
    expect(mode(w.keyFile)).toBe(0o600);
    expect(mode(w.envFile)).toBe(0o600);
    const text = fs.readFileSync(w.envFile, "utf8");
    expect(parseEnv(text)).toEqual({
      APP_ID: "4242",
      PRIVATE_KEY_PATH: w.keyFile,
      WEBHOOK_SECRET: "wh-secret-value",
      GITHUB_CLIENT_ID: "Iv23.abc",
      GITHUB_CLIENT_SECRET: "cs-secret-value",
      MAESTRO_APP_SLUG: "maestro-acme",
    });
    // The key itself is never in .env.
    expect(text).not.toContain("PRIVATE KEY-----");
    expect(text).toMatch(
      /^# GitHub App "Maestro acme" \(https:\/\/github.com\/apps\/maestro-acme\), registered by `maestro setup` on 2026-03-04\n/,
    );
    expect(w.variables).toEqual([
      "APP_ID",
      "PRIVATE_KEY_PATH",
      "WEBHOOK_SECRET",
      "GITHUB_CLIENT_ID",
      "GITHUB_CLIENT_SECRET",
      "MAESTRO_APP_SLUG",
    ]);
    // Nothing else left behind (the temp file was renamed).
    expect(fs.readdirSync(dir).sort()).toEqual([".env", "maestro-acme.4242.private-key.pem"]);
  });

  it("keeps .env's other lines and comments, and adds GHE_HOST/GHE_PROTOCOL when given", () => {
    fs.writeFileSync(
      path.join(dir, ".env"),
      "# mine\nREDIS_URL=redis://10.0.0.5:6379\nANTHROPIC_API_KEY=sk-1",
      {
        mode: 0o644,
      },
    );
    writeCredentials(dir, APP, {
      force: false,
      extra: { GHE_HOST: "ghe.example.com", GHE_PROTOCOL: "https" },
    });
    const text = fs.readFileSync(path.join(dir, ".env"), "utf8");
    expect(
      text.startsWith("# mine\nREDIS_URL=redis://10.0.0.5:6379\nANTHROPIC_API_KEY=sk-1\n\n# GitHub App"),
    ).toBe(true);
    expect(parseEnv(text)).toMatchObject({
      REDIS_URL: "redis://10.0.0.5:6379",
      ANTHROPIC_API_KEY: "sk-1",
      APP_ID: "4242",
      GHE_HOST: "ghe.example.com",
      GHE_PROTOCOL: "https",
    });
    // It holds secrets now: 0600 even though the old file was 0644.
    expect(mode(path.join(dir, ".env"))).toBe(0o600);
  });

  it("refuses a .env that already holds credentials unless --force, which replaces exactly those lines", () => {
    const old =
      'REDIS_URL=redis://r:6379\nAPP_ID=1\nPRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\nold\n-----END RSA PRIVATE KEY-----"\nWEBHOOK_SECRET=old\n# keep me\nLOG_LEVEL=debug\n';
    fs.writeFileSync(path.join(dir, ".env"), old);
    expect(credentialVarsIn(old)).toEqual(["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"]);
    expect(() => assertEnvWritable(dir, false)).toThrow(
      /\.env already holds GitHub App credentials \(APP_ID, PRIVATE_KEY, WEBHOOK_SECRET\).*--force/,
    );
    expect(() => assertEnvWritable(dir, true)).not.toThrow();
    writeCredentials(dir, APP, { force: true });
    const text = fs.readFileSync(path.join(dir, ".env"), "utf8");
    expect(text).not.toContain("old");
    expect(text).toContain("# keep me\nLOG_LEVEL=debug\n");
    const env = parseEnv(text);
    expect(env.PRIVATE_KEY).toBeUndefined();
    expect(env).toMatchObject({ REDIS_URL: "redis://r:6379", APP_ID: "4242", LOG_LEVEL: "debug" });
  });

  it("a .env without credentials, or none at all, may take them", () => {
    expect(() => assertEnvWritable(dir, false)).not.toThrow();
    fs.writeFileSync(path.join(dir, ".env"), "REDIS_URL=redis://r:6379\n# APP_ID=1 (a comment)\n");
    expect(() => assertEnvWritable(dir, false)).not.toThrow();
  });

  it("credentials written into .env meanwhile are left alone: the new ones go to .env.<slug>.<id>", () => {
    fs.writeFileSync(path.join(dir, ".env"), "APP_ID=1\n");
    const w = writeCredentials(dir, APP, { force: false });
    expect(w.movedAside).toBe(path.join(dir, ".env"));
    expect(w.envFile).toBe(path.join(dir, ".env.maestro-acme.4242"));
    expect(fs.readFileSync(path.join(dir, ".env"), "utf8")).toBe("APP_ID=1\n");
    expect(parseEnv(fs.readFileSync(w.envFile, "utf8")).APP_ID).toBe("4242");
  });

  it("never replaces a key file", () => {
    fs.writeFileSync(path.join(dir, "maestro-acme.4242.private-key.pem"), "theirs");
    expect(() => writeCredentials(dir, APP, { force: true })).toThrow(/EEXIST/);
    expect(fs.readFileSync(path.join(dir, "maestro-acme.4242.private-key.pem"), "utf8")).toBe("theirs");
  });

  it("quotes values so that dotenv reads them back unchanged", () => {
    for (const v of ["/tmp/my dir/k.pem", "a#b", "it's", 'say "hi"', "plain-1.2/x:y@z"]) {
      const text = renderEnv("", { V: v }, "h");
      expect(parseEnv(text).V).toBe(v);
    }
    expect(envValue("abc")).toBe("abc");
    expect(() => envValue(`both ' and "`)).toThrow(/both kinds of quote/);
    expect(() => envValue("two\nlines")).toThrow(/span lines/);
  });
});
