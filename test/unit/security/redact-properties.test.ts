import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRedactor, findSecrets, REDACTED } from "../../../src/security/redact.js";
import { RunLogWriter } from "../../../src/runlog/writer.js";
import { secretForms } from "../../support/secret-forms.js";
import { growthRatio, MAX_LINEAR_RATIO, repeated } from "./growth.js";

// Printable ASCII without brackets, so no form of a secret can straddle a [REDACTED] marker.
const SECRET_CHARS = [...Array(95).keys()]
  .map((i) => String.fromCharCode(32 + i))
  .filter((c) => !/[[\] ]/.test(c));
const secretArb = fc.string({ unit: fc.constantFrom(...SECRET_CHARS), minLength: 6, maxLength: 40 });

const ENCODINGS = ["raw", "base64", "base64url", "hex", "HEX", "url"] as const;
type Encoding = (typeof ENCODINGS)[number];

/** How a program would print the secret, inside other bytes for the base64 ones (any alignment). */
function encode(secret: string, how: Encoding, before: Uint8Array, after: Uint8Array): string {
  const framed = Buffer.concat([before, Buffer.from(secret), after]);
  if (how === "base64") return framed.toString("base64");
  if (how === "base64url") return framed.toString("base64url");
  if (how === "hex") return Buffer.from(secret).toString("hex");
  if (how === "HEX") return Buffer.from(secret).toString("hex").toUpperCase();
  if (how === "url") return encodeURIComponent(secret);
  return secret;
}

/** Every form a reader could decode back to the secret. */
function allForms(secret: string): string[] {
  const b64 = secretForms(secret);
  const hex = Buffer.from(secret).toString("hex");
  return [
    ...b64,
    ...b64.map((f) => f.replace(/\+/g, "-").replace(/\//g, "_")),
    hex,
    hex.toUpperCase(),
    encodeURIComponent(secret),
  ];
}

const printedSecret = fc.record({
  secret: secretArb,
  how: fc.constantFrom(...ENCODINGS),
  before: fc.string({ maxLength: 30 }),
  after: fc.string({ maxLength: 30 }),
  frameBefore: fc.uint8Array({ maxLength: 5 }),
  frameAfter: fc.uint8Array({ maxLength: 5 }),
});

describe("redaction properties", () => {
  it("no encoding of a known secret survives redaction, whatever surrounds it", () => {
    fc.assert(
      fc.property(printedSecret, ({ secret, how, before, after, frameBefore, frameAfter }) => {
        const out = createRedactor([secret])(before + encode(secret, how, frameBefore, frameAfter) + after);
        const pieces = out.split(REDACTED);
        for (const form of allForms(secret)) {
          for (const piece of pieces) expect(piece).not.toContain(form);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("findSecrets finds every encoding of a known secret, and reports it without its value", () => {
    fc.assert(
      fc.property(printedSecret, ({ secret, how, before, after, frameBefore, frameAfter }) => {
        const text = before + encode(secret, how, frameBefore, frameAfter) + after;
        const found = findSecrets(text, { key: secret });
        expect(found.length).toBeGreaterThan(0);
        for (const label of found) expect(label).toMatch(/^key \((raw|base64|base64url|hex|url)\)$/);
      }),
      { numRuns: 400 },
    );
  });

  it("the redactor never throws, whatever the secrets and the text", () => {
    const anyText = fc.string({ unit: "binary", maxLength: 300 });
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 4 }), anyText, (secrets, text) => {
        const out = createRedactor(secrets)(text);
        expect(typeof out).toBe("string");
        expect(Array.isArray(findSecrets(text, secrets))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("redaction runs in linear time", () => {
  const red = createRedactor(["sk-ant-api03-planted-agent-key-0123456789", "abcabcabcabcabcabcabd"]);
  const adversarial = [
    "token:", // one 0.6 MB line of this blocked the server for 50 s
    "token: a",
    "a.",
    "//x-access-token:",
    "-----BEGIN PRIVATE KEY-----",
    "abcabcabcabcabcabcab", // a long partial match of a known secret, over and over
    "c2stYW50LWFwaTAz", // the start of a known secret's base64
  ];
  for (const piece of adversarial) {
    it(`time grows linearly on ${JSON.stringify(piece)} repeated (40k → 320k characters)`, () => {
      expect(growthRatio(red, repeated(piece), 40_000)).toBeLessThan(MAX_LINEAR_RATIO);
    });
  }

  it("writing a run-log event grows linearly with the agent's output", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-redact-"));
    try {
      const w = RunLogWriter.open({ path: path.join(dir, "run.jsonl"), runId: "r1", redact: red });
      const write = (text: string) => w.write({ type: "agent.message", index: 0, role: "assistant", text });
      expect(growthRatio(write, repeated("token:"), 40_000, 3)).toBeLessThan(MAX_LINEAR_RATIO);
      w.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
