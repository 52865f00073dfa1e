// `maestro setup`'s manifest: built from app.yml, with the webhook and callback URLs it is given.
import { describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import {
  APP_YML,
  buildManifest,
  githubTarget,
  orgProblem,
  readAppDefinition,
  registerUrl,
} from "../../../src/setup/manifest.js";

describe("the app manifest from app.yml", () => {
  it("takes name, url, description, permissions and events from app.yml; private; hook and redirect as given", () => {
    const yml = parse(fs.readFileSync(APP_YML, "utf8")) as Record<string, unknown>;
    const m = buildManifest(readAppDefinition(), {
      webhookUrl: "https://smee.io/abc",
      redirectUrl: "http://127.0.0.1:3000/callback",
    });
    expect(m).toEqual({
      name: yml.name,
      url: yml.url,
      description: yml.description,
      hook_attributes: { url: "https://smee.io/abc", active: true },
      redirect_url: "http://127.0.0.1:3000/callback",
      public: false,
      default_permissions: yml.default_permissions,
      default_events: yml.default_events,
    });
    // Least privilege, as app.yml declares it: nothing at the organization or account level.
    expect(Object.keys(m.default_permissions).sort()).toEqual([
      "checks",
      "contents",
      "issues",
      "metadata",
      "pull_requests",
    ]);
  });

  it("takes another name (GitHub's limit: 34 characters) and refuses an empty or longer one", () => {
    const app = readAppDefinition();
    const opts = { webhookUrl: "https://x.example/h", redirectUrl: "http://localhost:3000/callback" };
    expect(buildManifest(app, { ...opts, name: "  Maestro for acme  " }).name).toBe("Maestro for acme");
    expect(() => buildManifest(app, { ...opts, name: " " })).toThrow(/needs a name/);
    expect(() => buildManifest(app, { ...opts, name: "x".repeat(35) })).toThrow(/at most 34/);
  });

  it("refuses an app.yml without a name, url or valid permissions, naming each", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-appyml-"));
    const file = path.join(dir, "app.yml");
    fs.writeFileSync(file, "default_permissions:\n  issues: admin\ndefault_events: issues\n");
    expect(() => readAppDefinition(file)).toThrow(
      /name is missing; url is missing.*default_permissions\.issues must be read or write.*default_events must be a list/,
    );
    fs.rmSync(dir, { recursive: true });
  });

  it("posts to github.com or the GHE host, for the personal account or an organization, with the state", () => {
    const dotcom = githubTarget(undefined, "https");
    expect(dotcom).toEqual({
      webUrl: "https://github.com",
      apiUrl: "https://api.github.com",
      host: "github.com",
    });
    expect(registerUrl(dotcom, "s1")).toBe("https://github.com/settings/apps/new?state=s1");
    expect(registerUrl(dotcom, "s1", "acme")).toBe(
      "https://github.com/organizations/acme/settings/apps/new?state=s1",
    );
    const ghe = githubTarget("ghe.example.com", "https");
    expect(ghe.apiUrl).toBe("https://ghe.example.com/api/v3");
    expect(registerUrl(ghe, "s2", "acme")).toBe(
      "https://ghe.example.com/organizations/acme/settings/apps/new?state=s2",
    );
    expect(githubTarget("127.0.0.1:8080", "http").apiUrl).toBe("http://127.0.0.1:8080/api/v3");
    expect(orgProblem("acme-inc")).toBeUndefined();
    expect(orgProblem("acme/inc")).toMatch(/not an organization login/);
  });
});
