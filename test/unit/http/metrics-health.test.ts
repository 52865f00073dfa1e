import { describe, expect, it } from "@jest/globals";
import { register } from "prom-client";
import { liveness, readiness } from "../../../src/http/health.js";
import { createBackground } from "../../../src/handlers/background.js";
import { createMetrics } from "../../../src/http/metrics.js";

describe("metrics", () => {
  it("counts webhooks and commands on its own registry, and reads queue counts at scrape time", async () => {
    let calls = 0;
    const m = createMetrics({
      queue: {
        async getJobCounts() {
          calls++;
          return { waiting: 3, active: 1, failed: 2 };
        },
      },
    });
    m.webhookReceived("issue_comment.created");
    m.webhookReceived("issue_comment.created");
    m.command("run", "accepted");
    m.command("run", "refused");
    m.runFinished(90, 1.25, "succeeded");
    expect(calls).toBe(0);
    const text = await m.registry.metrics();
    expect(calls).toBe(1);
    expect(text).toContain('maestro_webhooks_received_total{event="issue_comment.created"} 2');
    expect(text).toContain('maestro_commands_total{verb="run",outcome="accepted"} 1');
    expect(text).toContain('maestro_commands_total{verb="run",outcome="refused"} 1');
    expect(text).toContain('maestro_queue_jobs{state="waiting"} 3');
    expect(text).toContain('maestro_queue_jobs{state="delayed"} 0');
    expect(text).toContain('maestro_run_duration_seconds_count{status="succeeded"} 1');
    expect(text).toContain("maestro_run_cost_usd_total 1.25");
    // Not the global registry: two instances do not clash.
    expect(await register.metrics()).not.toContain("maestro_");
    expect(() => createMetrics()).not.toThrow();
  });

  it("shows the feedback still being posted after deliveries were answered", async () => {
    const background = createBackground();
    const m = createMetrics({ feedback: background });
    let release!: () => void;
    const log = { info() {}, warn() {}, error() {} };
    background.run("a reply", log, () => new Promise<void>((r) => (release = r)));
    background.run("a failing reply", log, () => Promise.reject(new Error("502")));
    expect(await m.registry.metrics()).toMatch(/^maestro_feedback_pending 2$/m);
    await new Promise((r) => setImmediate(r));
    expect(await m.registry.metrics()).toMatch(/^maestro_feedback_pending 1$/m);
    release();
    await background.idle();
    expect(await m.registry.metrics()).toMatch(/^maestro_feedback_pending 0$/m);
  });
});

describe("health", () => {
  it("liveness is always 200", () => {
    expect(liveness().status).toBe(200);
  });
  it("readiness is 200 on PONG, 503 with the reason on an error or a timeout", async () => {
    expect((await readiness({ ping: async () => "PONG", status: "ready" })).status).toBe(200);
    const down = await readiness({
      ping: async () => Promise.reject(new Error("ECONNREFUSED")),
      status: "reconnecting",
    });
    expect(down).toEqual({
      status: 503,
      body: { ok: false, reason: "Redis is not reachable: ECONNREFUSED" },
    });
    const hung = await readiness(
      { ping: () => new Promise<"PONG">(() => undefined), status: "connecting" },
      50,
    );
    expect(hung.status).toBe(503);
    expect(hung.body.reason).toContain("connection connecting");
  });
});
