import { describe, expect, it } from "@jest/globals";
import { createHmac } from "node:crypto";
import { signatureMatches } from "../../../src/http/webhook-signature.js";

const sign = (secret: string, body: Buffer) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

describe("webhook signature", () => {
  const body = Buffer.from('{"action":"created"}');
  it("accepts GitHub's X-Hub-Signature-256 of the raw bytes, also for bytes that are not UTF-8", () => {
    expect(signatureMatches("s3cret", body, sign("s3cret", body))).toBe(true);
    const binary = Buffer.from([0xff, 0x00, 0xc3, 0x28]);
    expect(signatureMatches("s3cret", binary, sign("s3cret", binary))).toBe(true);
  });

  it("refuses a wrong secret, a changed body, a missing or malformed header", () => {
    expect(signatureMatches("s3cret", body, sign("other", body))).toBe(false);
    expect(signatureMatches("s3cret", Buffer.from('{"action":"deleted"}'), sign("s3cret", body))).toBe(false);
    expect(signatureMatches("s3cret", body, undefined)).toBe(false);
    expect(signatureMatches("s3cret", body, "sha1=abc")).toBe(false);
    expect(signatureMatches("s3cret", body, `sha256=${"0".repeat(63)}`)).toBe(false);
  });
});
