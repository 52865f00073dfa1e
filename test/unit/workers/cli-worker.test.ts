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
