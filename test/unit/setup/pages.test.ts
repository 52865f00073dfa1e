// The setup pages: escaped, no external asset, and the hand-off page's one script allowed by the CSP's hash
// (a change to the script without the hash would leave the user on a page whose button they must click).
import { describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { buildManifest, githubTarget, readAppDefinition } from "../../../src/setup/manifest.js";
import { contentSecurityPolicy, handOffPage, startPage } from "../../../src/setup/pages.js";

const target = githubTarget(undefined, "https");

describe("maestro setup's pages", () => {
  it("the hand-off page's script is the one the CSP allows, and the manifest is escaped into the form", () => {
    const app = readAppDefinition();
    const manifest = buildManifest(app, {
      name: `Maestro "<b>"`,
      webhookUrl: "https://smee.io/x",
      redirectUrl: "http://127.0.0.1:3000/callback",
    });
    const html = handOffPage("https://github.com/settings/apps/new?state=s&x=1", manifest, target);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const hash = createHash("sha256").update(scripts[0]!).digest("base64");
    const csp = contentSecurityPolicy(target);
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("form-action 'self' https://github.com");
    expect(csp).toContain("default-src 'none'");
    expect(html).toContain('action="https://github.com/settings/apps/new?state=s&amp;x=1"');
    expect(html).toContain("<b>Maestro &quot;&lt;b&gt;&quot;</b>");
    const value = /name="manifest" value="([^"]*)"/.exec(html)![1]!;
    expect(value).not.toMatch(/[<>"]/);
  });

  it("the start page escapes what it shows and loads nothing from elsewhere", () => {
    const html = startPage({
      target,
      app: readAppDefinition(),
      webhookUrl: "https://smee.io/x?a=<1>",
      name: "M",
      org: `a"b`,
      dir: "/srv/<ops>",
      error: "<script>alert(1)</script>",
    });
    expect(html).not.toMatch(/<script|<link|<img|src=/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('value="a&quot;b"');
    expect(html).toContain("/srv/&lt;ops&gt;/.env");
  });
});
