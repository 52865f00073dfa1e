import { describe, expect, it } from "@jest/globals";
import {
  RUN_LOG_ROUTE,
  RUN_PAGE_ROUTE,
  signRunLogUrl,
  signRunPageUrl,
  verifyRunLogLink,
} from "../../../src/http/run-log-link.js";

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

  it("the page link carries the same signature as the log link: one exp&sig opens log, page and stream", () => {
    const opts = { publicUrl: "https://m.example/base/", runId: "rabc123", key, now, ttlSeconds: 600 };
    const page = new URL(signRunPageUrl(opts));
    const log = new URL(signRunLogUrl(opts));
    expect(page.pathname).toBe("/base/maestro/runs/rabc123");
    expect(page.search).toBe(log.search);
    const exp = page.searchParams.get("exp");
    const sig = page.searchParams.get("sig");
    expect(verifyRunLogLink({ runId: "rabc123", exp, sig, key, now })).toEqual({ ok: true });
    expect(verifyRunLogLink({ runId: "rabc124", exp, sig, key, now }).ok).toBe(false);
    expect(
      verifyRunLogLink({ runId: "rabc123", exp, sig, key, now: new Date(now.getTime() + 601_000) }).ok,
    ).toBe(false);
  });

  it("routes: the log, the page and its stream never take each other's paths", () => {
    expect(RUN_PAGE_ROUTE.exec("/maestro/runs/rabc123")?.slice(1)).toEqual(["rabc123", undefined]);
    expect(RUN_PAGE_ROUTE.exec("/maestro/runs/rabc123/events")?.slice(1)).toEqual(["rabc123", "/events"]);
    expect(RUN_PAGE_ROUTE.test("/maestro/runs/rabc123.jsonl")).toBe(false);
    expect(RUN_LOG_ROUTE.test("/maestro/runs/rabc123")).toBe(false);
    for (const bad of [
      "/maestro/runs/",
      "/maestro/runs/../x",
      "/maestro/runs/a/b",
      "/maestro/runs/a/events/x",
    ])
      expect(RUN_PAGE_ROUTE.test(bad)).toBe(false);
  });
});
