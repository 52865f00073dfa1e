import { describe, expect, it } from "@jest/globals";
import { allows, isForbiddenAddress, parseAllowEntry } from "../../../src/sandbox/allowlist.js";
import { agentEndpoints } from "../../../src/sandbox/endpoints.js";

describe("parseAllowEntry", () => {
  it("reads URLs, host:port, bare hosts, wildcards and IPv6", () => {
    expect(parseAllowEntry("https://api.anthropic.com/v1")).toEqual({ host: "api.anthropic.com", port: 443 });
    expect(parseAllowEntry("http://127.0.0.1:4000")).toEqual({ host: "127.0.0.1", port: 4000 });
    expect(parseAllowEntry("http://gateway")).toEqual({ host: "gateway", port: 80 });
    expect(parseAllowEntry("registry.npmjs.org")).toEqual({ host: "registry.npmjs.org" });
    expect(parseAllowEntry("*.Example.COM:8443")).toEqual({ host: "*.example.com", port: 8443 });
    expect(parseAllowEntry("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
  });
  it("refuses what is not a host", () => {
    for (const bad of ["", "a b", "host:99999", "user@host", "http://", "/path"]) {
      expect(() => parseAllowEntry(bad)).toThrow(/not a/);
    }
  });
});

describe("allows", () => {
  const entries = ["api.anthropic.com", "*.googleapis.com", "gw.internal:8443"].map(parseAllowEntry);
  it("matches hosts, subdomains and ports exactly", () => {
    expect(allows(entries, "api.anthropic.com", 443)).toBe(true);
    expect(allows(entries, "API.ANTHROPIC.COM", 80)).toBe(true);
    expect(allows(entries, "api.anthropic.com", 6379)).toBe(false);
    expect(allows(entries, "evil-api.anthropic.com", 443)).toBe(false);
    expect(allows(entries, "generativelanguage.googleapis.com", 443)).toBe(true);
    expect(allows(entries, "googleapis.com.evil.io", 443)).toBe(false);
    expect(allows(entries, "gw.internal", 8443)).toBe(true);
    expect(allows(entries, "gw.internal", 443)).toBe(false);
    expect(allows(entries, "169.254.169.254", 80)).toBe(false);
  });
});

describe("isForbiddenAddress", () => {
  it("forbids link-local, metadata, loopback and unspecified addresses", () => {
    for (const ip of [
      "169.254.169.254",
      "127.0.0.1",
      "127.1.2.3",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00:ec2::254",
      "::ffff:169.254.169.254",
      "100.100.100.200",
    ]) {
      expect([ip, isForbiddenAddress(ip)]).toEqual([ip, true]);
    }
    for (const ip of ["140.82.112.3", "10.0.0.5", "2606:4700::1"]) expect(isForbiddenAddress(ip)).toBe(false);
  });
});

describe("agentEndpoints", () => {
  it("uses the agent's configured base URL, else its vendor's API", () => {
    expect(agentEndpoints("claude-code", {})).toEqual(["https://api.anthropic.com"]);
    expect(agentEndpoints("claude-code", { ANTHROPIC_BASE_URL: "http://127.0.0.1:9" })).toEqual([
      "http://127.0.0.1:9",
    ]);
    expect(agentEndpoints("gemini", {})).toEqual(["https://generativelanguage.googleapis.com"]);
    expect(agentEndpoints("command", {})).toEqual([]);
  });
  it("reads OpenCode's inline config for its providers' baseURL", () => {
    const cfg = JSON.stringify({ provider: { local: { options: { baseURL: "http://127.0.0.1:4010/v1" } } } });
    expect(agentEndpoints("opencode", { OPENCODE_CONFIG_CONTENT: cfg })).toEqual([
      "http://127.0.0.1:4010/v1",
    ]);
  });
});
