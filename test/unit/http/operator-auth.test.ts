import { describe, expect, it } from "@jest/globals";
import type { IncomingMessage } from "node:http";
import { loadEnvConfig } from "../../../src/config/env.js";
import { createCredentialCheck, isCrossSite, presentedToken } from "../../../src/http/admin/auth.js";
import { isDeniedEnvName, parseAgentEnvList } from "../../../src/security/child-env.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString("base64")}`;

describe("the operator credential", () => {
  it("is read from Bearer, or from Basic's password whatever the user name", () => {
    expect(presentedToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(presentedToken(`bearer   ${TOKEN} `)).toBe(TOKEN);
    expect(presentedToken(basic(`ops:${TOKEN}`))).toBe(TOKEN);
    expect(presentedToken(basic(`:${TOKEN}`))).toBe(TOKEN);
    expect(presentedToken(basic(`a:b:${TOKEN}`))).toBe(`b:${TOKEN}`);
    expect(presentedToken(basic(TOKEN))).toBeUndefined(); // no colon: no password
    expect(presentedToken(`Token ${TOKEN}`)).toBeUndefined();
    expect(presentedToken(`Bearer ${TOKEN} extra`)).toBeUndefined();
    expect(presentedToken(undefined)).toBeUndefined();
    expect(presentedToken(`Bearer ${"x".repeat(9000)}`)).toBeUndefined();
  });

  it("admits exactly the token", () => {
    const check = createCredentialCheck(TOKEN);
    expect(check(req({ authorization: `Bearer ${TOKEN}` }))).toBe(true);
    expect(check(req({ authorization: basic(`anyone:${TOKEN}`) }))).toBe(true);
    for (const wrong of [TOKEN.slice(1), `${TOKEN}x`, TOKEN.toUpperCase(), "", " "])
      expect(check(req({ authorization: `Bearer ${wrong}` }))).toBe(false);
    expect(check(req({}))).toBe(false);
  });

  it("tells a cross-site change from the view's own pages and from tools", () => {
    expect(isCrossSite(req({ host: "m.example:3000" }))).toBe(false); // curl
    expect(isCrossSite(req({ host: "m.example:3000", origin: "http://m.example:3000" }))).toBe(false);
    expect(isCrossSite(req({ host: "m.example:3000", "sec-fetch-site": "same-origin" }))).toBe(false);
    expect(isCrossSite(req({ host: "m.example:3000", origin: "https://evil.example" }))).toBe(true);
    expect(isCrossSite(req({ host: "m.example:3000", origin: "null" }))).toBe(true);
    expect(isCrossSite(req({ host: "m.example:3000", "sec-fetch-site": "same-site" }))).toBe(true);
    expect(isCrossSite(req({ host: "m.example:3000", "sec-fetch-site": "cross-site" }))).toBe(true);
    // Behind a proxy that rewrites Host: Sec-Fetch-Site decides, or Origin matches MAESTRO_PUBLIC_URL.
    const proxied = { host: "127.0.0.1:3000", origin: "https://maestro.example.com" };
    expect(isCrossSite(req({ ...proxied, "sec-fetch-site": "same-origin" }))).toBe(false);
    expect(isCrossSite(req(proxied), "https://maestro.example.com")).toBe(false);
    expect(isCrossSite(req(proxied))).toBe(true);
  });
});

describe("MAESTRO_ADMIN_TOKEN and MAESTRO_ADMIN_READONLY", () => {
  it("default to a view that is off and read-only", () => {
    const c = loadEnvConfig({});
    expect(c.adminToken).toBeUndefined();
    expect(c.adminReadOnly).toBe(true);
    expect(loadEnvConfig({ MAESTRO_ADMIN_TOKEN: TOKEN, MAESTRO_ADMIN_READONLY: "0" })).toMatchObject({
      adminToken: TOKEN,
      adminReadOnly: false,
    });
  });

  it("refuse a short or spaced token without echoing it, and a readonly flag other than 0 or 1", () => {
    for (const bad of ["short-secret-value", `${TOKEN.slice(0, 16)} ${TOKEN.slice(16)}`]) {
      let message = "";
      try {
        loadEnvConfig({ MAESTRO_ADMIN_TOKEN: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain("MAESTRO_ADMIN_TOKEN must be at least 32 characters");
      expect(message).toContain("openssl rand -hex 32");
      expect(message).not.toContain(bad.slice(0, 12));
    }
    expect(() => loadEnvConfig({ MAESTRO_ADMIN_READONLY: "yes" })).toThrow(
      /MAESTRO_ADMIN_READONLY must be "1"/,
    );
  });

  it("never reach an agent or a verify command", () => {
    expect(isDeniedEnvName("MAESTRO_ADMIN_TOKEN")).toBe(true);
    expect(parseAgentEnvList("MAESTRO_ADMIN_TOKEN").problems).not.toEqual([]);
  });
});
