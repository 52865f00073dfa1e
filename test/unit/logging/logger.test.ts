// The one logger of every process (issue 15 §4): timestamps and levels, LOG_LEVEL, secrets redacted by field
// and by value, a run's lines carrying the run, and pretty output when asked.
import { describe, expect, it } from "@jest/globals";
import { PassThrough } from "node:stream";
import { createLogger, parseLogLevel, type Logger } from "../../../src/logging/logger.js";
import { depsForRun } from "../../../src/logging/run-context.js";
import type { WorkerDeps } from "../../../src/workers/deps.js";

function capture(
  env: NodeJS.ProcessEnv,
  opts: { secrets?: string[]; pretty?: boolean } = {},
): {
  log: Logger;
  lines(): Record<string, unknown>[];
  text(): string;
} {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => (text += d.toString()));
  const log = createLogger({ env, destination: out, ...opts });
  return {
    log,
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Probot types LOG_LEVEL and LOG_FORMAT in ProcessEnv; the environment can hold anything. */
const loose = (env: Record<string, string>): NodeJS.ProcessEnv => env as NodeJS.ProcessEnv;

const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7abc\n-----END RSA PRIVATE KEY-----\n";

describe("createLogger", () => {
  it("writes JSON lines with an ISO timestamp, the level name, pid and the message", () => {
    const c = capture({});
    c.log.info({ queue: "runs" }, "worker started");
    const [line] = c.lines();
    expect(line).toMatchObject({ level: "info", msg: "worker started", queue: "runs", pid: process.pid });
    expect(String(line!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("LOG_LEVEL filters (default info), and a bad LOG_LEVEL is refused with the levels allowed", () => {
    const c = capture({});
    c.log.debug("hidden at info");
    c.log.info("shown");
    expect(c.lines().map((l) => l.msg)).toEqual(["shown"]);

    const w = capture({ LOG_LEVEL: "warn" });
    w.log.info("hidden");
    w.log.warn("a warning");
    w.log.error("an error");
    expect(w.lines().map((l) => [l.level, l.msg])).toEqual([
      ["warn", "a warning"],
      ["error", "an error"],
    ]);

    const d = capture(loose({ LOG_LEVEL: "DEBUG" }));
    d.log.debug("shown at debug");
    expect(d.lines()).toHaveLength(1);

    expect(() => createLogger({ env: loose({ LOG_LEVEL: "verbose" }) })).toThrow(
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose". Fix it or unset it to use the default (info).',
    );
    expect(parseLogLevel(" ")).toBe("info");
  });

  it("redacts secret fields by path, wherever they sit, and authorization headers", () => {
    const c = capture({});
    c.log.info(
      {
        token: "ghs_plainfieldtoken0000000000",
        privateKey: PEM,
        webhookSecret: "hook-secret-123",
        auth: { token: "nested-token-value" },
        req: { headers: { authorization: "token abc", accept: "json" } },
        inputTokens: 1234,
      },
      "fields",
    );
    const [line] = c.lines();
    expect(line).toMatchObject({
      token: "[REDACTED]",
      privateKey: "[REDACTED]",
      webhookSecret: "[REDACTED]",
      auth: { token: "[REDACTED]" },
      req: { headers: { authorization: "[REDACTED]", accept: "json" } },
      inputTokens: 1234,
    });
    expect(c.text()).not.toMatch(/plainfieldtoken|hook-secret-123|nested-token-value|MIIEow|token abc/);
  });

  it("redacts secrets by value in messages, string fields, error messages and stacks, and bindings", () => {
    const c = capture(
      { WEBHOOK_SECRET: "env-webhook-secret-1", LOG_LEVEL: "info" },
      { secrets: ["the-app-key-material"] },
    );
    const child = c.log.child({ note: "bound the-app-key-material" });
    child.info(
      { detail: "clone https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz01@github.com/o/r.git" },
      "webhook secret env-webhook-secret-1 and token ghs_0123456789abcdefghijklmnop",
    );
    child.error(new Error(`push failed: ${Buffer.from("the-app-key-material").toString("base64")}`));
    const text = c.text();
    expect(text).not.toMatch(
      /env-webhook-secret-1|the-app-key-material|ghs_abcdefghij|ghs_0123456789|dGhlLWFwcC1rZXktbWF0ZXJpYWw/,
    );
    const [info, error] = c.lines();
    expect(info!.msg).toBe("webhook secret [REDACTED] and token [REDACTED]");
    expect(info!.note).toBe("bound [REDACTED]");
    expect(info!.detail).toContain("x-access-token:[REDACTED]@github.com");
    expect(error!.level).toBe("error");
    expect(error!.msg).toMatch(/^push failed: \[REDACTED\]/);
    expect((error!.err as { stack: string }).stack).toMatch(/^Error: push failed: \[REDACTED\]/);
  });

  it("a run's lines carry runId, repo and installation (the child the processor makes where the run starts)", () => {
    const c = capture({});
    const deps = depsForRun({ log: c.log } as unknown as WorkerDeps, {
      runId: "run-42",
      repo: { owner: "octo-org", name: "widgets" },
      installationId: 7,
    });
    deps.log!.info({ status: "succeeded" }, "run finished");
    deps.log!.warn({}, "could not add the 🚀 reaction");
    c.log.info("process line");
    const lines = c.lines();
    for (const l of lines.slice(0, 2))
      expect(l).toMatchObject({ runId: "run-42", repo: "octo-org/widgets", installation: 7 });
    expect(lines[2]).not.toHaveProperty("runId");
    // A log that cannot make children (tests, embedders) is used as it is.
    const plain = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const same = { log: plain } as unknown as WorkerDeps;
    expect(depsForRun(same, { runId: "r", repo: { owner: "o", name: "n" }, installationId: 1 })).toBe(same);
  });

  it("pretty output (a terminal, or LOG_FORMAT=pretty) is human-readable and still redacted", async () => {
    const c = capture({ LOG_FORMAT: "pretty" }, { secrets: ["pretty-secret-value"] });
    c.log.child({ runId: "run-9" }).warn({ token: "abc" }, "slow GitHub, key pretty-secret-value");
    await new Promise((r) => setTimeout(r, 50));
    const text = c.text();
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN: slow GitHub, key \[REDACTED\]$/m);
    expect(text).toContain('runId: "run-9"');
    expect(text).not.toContain("pretty-secret-value");
    expect(() => createLogger({ env: loose({ LOG_FORMAT: "xml" }) })).toThrow(
      /LOG_FORMAT must be "json" or "pretty"/,
    );
  });
});
