import { describe, expect, it } from "@jest/globals";
import { signRunLogUrl, verifyRunLogLink } from "../../../src/http/run-log-link.js";

const key = "k".repeat(32);
const now = new Date("2026-11-25T10:00:00Z");

function parts(url: string) {
  const u = new URL(url);
  return { path: u.pathname, exp: u.searchParams.get("exp"), sig: u.searchParams.get("sig") };
}

describe("signed run-log links", () => {
  it("a signed link verifies for its run until it expires", () => {
    const url = signRunLogUrl({
      publicUrl: "https://m.example/",
      runId: "rabc123",
      key,
      now,
      ttlSeconds: 3600,
    });
    const p = parts(url);
    expect(p.path).toBe("/maestro/runs/rabc123.jsonl");
    expect(Number(p.exp)).toBe(now.getTime() / 1000 + 3600);
    expect(verifyRunLogLink({ runId: "rabc123", exp: p.exp, sig: p.sig, key, now })).toEqual({ ok: true });
    const later = new Date(now.getTime() + 3601_000);
    expect(verifyRunLogLink({ runId: "rabc123", exp: p.exp, sig: p.sig, key, now: later })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/expired/),
    });
  });

  it("refuses another run's id, a moved expiry, another key and unsigned links", () => {
    const p = parts(signRunLogUrl({ publicUrl: "https://m.example", runId: "rabc123", key, now }));
    expect(verifyRunLogLink({ runId: "rother1", exp: p.exp, sig: p.sig, key, now }).ok).toBe(false);
    expect(
      verifyRunLogLink({ runId: "rabc123", exp: String(Number(p.exp) + 1), sig: p.sig, key, now }).ok,
    ).toBe(false);
    expect(verifyRunLogLink({ runId: "rabc123", exp: p.exp, sig: p.sig, key: "x".repeat(32), now }).ok).toBe(
      false,
    );
    expect(verifyRunLogLink({ runId: "rabc123", exp: null, sig: null, key, now })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not signed/),
    });
    expect(verifyRunLogLink({ runId: "rabc123", exp: p.exp, sig: "zz", key, now }).ok).toBe(false);
  });
});
