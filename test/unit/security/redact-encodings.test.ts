import { describe, expect, it } from "@jest/globals";
import { createRedactor, findSecrets, REDACTED } from "../../../src/security/redact.js";
import { secretForms } from "../../support/secret-forms.js";

// An agent API key with characters that base64 turns into + and / and that URL-encoding escapes.
const SECRET = "agent-key/Qm9v+Bar?>>>~~~&=!x7";
const bytes = (s: string): Buffer => Buffer.from(s, "utf8");

/** Every encoded form a reader could decode back to SECRET, computed independently of src/. */
function forms(secret: string): string[] {
  const b64 = secretForms(secret);
  const url = encodeURIComponent(secret);
  const hex = bytes(secret).toString("hex");
  return [
    ...b64,
    ...b64.map((f) => f.replace(/\+/g, "-").replace(/\//g, "_")),
    hex,
    hex.toUpperCase(),
    url,
    url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  ];
}

const printed: Array<[name: string, text: string, encoding: string]> = [
  ["base64 at offset 0 (echo $KEY | base64)", bytes(`${SECRET}\n`).toString("base64"), "base64"],
  ["base64 at offset 1", bytes(`A${SECRET}`).toString("base64"), "base64"],
  ["base64 at offset 2", bytes(`AB${SECRET}xyz`).toString("base64"), "base64"],
  ["URL-safe base64 at offset 0", bytes(SECRET).toString("base64url"), "base64url"],
  ["URL-safe base64 at offset 1", bytes(`{${SECRET}}`).toString("base64url"), "base64url"],
  ["URL-safe base64 at offset 2", bytes(`"k${SECRET}"`).toString("base64url"), "base64url"],
  ["lower-case hex", bytes(SECRET).toString("hex"), "hex"],
  ["upper-case hex", bytes(SECRET).toString("hex").toUpperCase(), "hex"],
  ["URL-encoded", `https://api.example.com/v1?q=${encodeURIComponent(SECRET)}&x=1`, "url"],
  [
    "URL-encoded, lower-case escapes",
    encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    "url",
  ],
  ["form-encoded", new URLSearchParams({ q: SECRET }).toString(), "url"],
];

describe("redaction of encoded secrets", () => {
  const red = createRedactor([SECRET]);

  it("the test secret's base64 has + or / at every alignment, so URL-safe forms differ", () => {
    for (const f of secretForms(SECRET).slice(1)) expect(f).toMatch(/[+/]/);
  });

  for (const [name, text] of printed) {
    it(`hides the secret printed as ${name}`, () => {
      const out = red(`agent printed: ${text} (done)`);
      expect(out).toContain(REDACTED);
      expect(out.startsWith("agent printed: ")).toBe(true);
      expect(out.endsWith(" (done)")).toBe(true);
      for (const f of forms(SECRET)) expect(out).not.toContain(f);
    });
  }

  it("hides hex printed inside a longer dump, and keeps the surrounding text", () => {
    const hex = bytes(SECRET).toString("hex");
    expect(red(`0000: ${hex} |....|`)).toBe(`0000: ${REDACTED} |....|`);
  });

  it("hides several encodings of several secrets in one text", () => {
    const other = "second-secret-value-123";
    const r2 = createRedactor([SECRET, other]);
    const text = printed.map(([, t]) => t).join(" ") + " " + bytes(other).toString("base64");
    const out = r2(text);
    for (const f of [...forms(SECRET), ...forms(other)]) expect(out).not.toContain(f);
  });
});

describe("findSecrets", () => {
  for (const [name, text, encoding] of printed) {
    it(`finds the secret printed as ${name}, labelled, without its value`, () => {
      const found = findSecrets(`+const blob = "${text}";`, { "agent API key": SECRET });
      expect(found).toContain(`agent API key (${encoding})`);
      for (const label of found) expect(label.startsWith("agent API key (")).toBe(true);
      expect(found.join(" ")).not.toContain(SECRET);
    });
  }

  it("finds the raw value; labels list entries by position", () => {
    expect(findSecrets(`token ${SECRET}`, ["unrelated-secret-1", SECRET])).toEqual(["secret 2 (raw)"]);
  });

  it("reports each secret found, in the order given", () => {
    const text = `${bytes("installation-token-xyz").toString("hex")} ${SECRET}`;
    expect(
      findSecrets(text, { "agent key": SECRET, "installation token": "installation-token-xyz" }),
    ).toEqual(["agent key (raw)", "installation token (hex)"]);
  });

  it("finds nothing in clean text, and ignores values shorter than 6 characters", () => {
    expect(findSecrets("diff --git a/x b/x\n+hello world", { key: SECRET })).toEqual([]);
    expect(findSecrets("the word hello", { short: "hello" })).toEqual([]);
    expect(findSecrets("", [SECRET])).toEqual([]);
  });
});
