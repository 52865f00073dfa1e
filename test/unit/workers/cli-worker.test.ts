// `maestro worker`: clear errors on bad setup; starts against real Redis and stops on its signal.
import { describe, expect, it } from "@jest/globals";
import { PassThrough } from "node:stream";
import { runWorkerCommand } from "../../../src/cli/worker.js";
import { generateAppPrivateKey } from "../../helpers/github-api.js";
import { REDIS_URL, deleteKeys, uniquePrefix } from "../../helpers/redis.js";
import { Redis } from "ioredis";

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe("maestro worker", () => {
  it("exits 2 and names what is missing when the app credentials are not set", async () => {
    const err = capture();
    const code = await runWorkerCommand({ MAESTRO_DATA_DIR: "/tmp/x" }, { stderr: err.stream });
    expect(code).toBe(2);
    expect(err.text()).toContain("APP_ID is not set");
    expect(err.text()).toContain("PRIVATE_KEY or PRIVATE_KEY_PATH is not set");
    expect(err.text()).not.toContain("WEBHOOK_SECRET");
  });

  it("exits 2 on a bad environment value", async () => {
    const err = capture();
    const code = await runWorkerCommand({ MAESTRO_CONCURRENCY: "lots" }, { stderr: err.stream });
    expect(code).toBe(2);
    expect(err.text()).toContain("MAESTRO_CONCURRENCY");
  });

  it("exits 2 on a bad sandbox or agent policy setting", async () => {
    for (const [name, value] of [
      ["MAESTRO_SANDBOX", "sometimes"],
      ["MAESTRO_REPO_AGENT_COMMAND", "yes"],
      ["MAESTRO_ALLOWED_AGENTS", "claude"],
    ]) {
      const err = capture();
      const code = await runWorkerCommand({ [name!]: value }, { stderr: err.stream });
      expect([name, code]).toEqual([name, 2]);
      expect(err.text()).toContain(name!);
    }
  });

  it("says how agents run: sandbox off by the operator is a warning, and a key in the environment is named", async () => {
    const prefix = uniquePrefix("cli-worker-off");
    const err = capture();
    const ctl = new AbortController();
    const code = await runWorkerCommand(
      {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        APP_ID: "1",
        PRIVATE_KEY: generateAppPrivateKey(),
        MAESTRO_APP_SLUG: "maestro-test",
        MAESTRO_REDIS_PREFIX: prefix,
        REDIS_URL,
        MAESTRO_DATA_DIR: "/tmp/maestro-cli-worker-test",
        MAESTRO_SANDBOX: "off",
      },
      { signal: ctl.signal, stderr: err.stream, onStarted: () => ctl.abort() },
    );
    expect(code).toBe(0);
    expect(err.text()).toMatch(/WARNING: the sandbox is off \(MAESTRO_SANDBOX=off\)/);
    expect(err.text()).toMatch(/Prefer PRIVATE_KEY_PATH/);
    const redis = new Redis(REDIS_URL);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it("runs a worker on the configured queue and prefix until its signal, then exits 0", async () => {
    const prefix = uniquePrefix("cli-worker");
    const err = capture();
    const ctl = new AbortController();
    let concurrency = 0;
    let queueName = "";
    const done = runWorkerCommand(
      {
        APP_ID: "1",
        PRIVATE_KEY: generateAppPrivateKey(),
        MAESTRO_APP_SLUG: "maestro-test",
        MAESTRO_CONCURRENCY: "3",
        MAESTRO_REDIS_PREFIX: prefix,
        REDIS_URL,
        MAESTRO_DATA_DIR: "/tmp/maestro-cli-worker-test",
      },
      {
        signal: ctl.signal,
        stderr: err.stream,
        onStarted: (w) => {
          concurrency = w.worker.concurrency;
          queueName = w.worker.name;
          ctl.abort();
        },
      },
    );
    expect(await done).toBe(0);
    expect(concurrency).toBe(3);
    expect(queueName).toBe("maestro-runs");
    expect(err.text()).toContain("processing runs (concurrency 3)");
    const redis = new Redis(REDIS_URL);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });
});
