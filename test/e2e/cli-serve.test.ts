// `maestro serve` as an operator starts it: credentials from env, health routes up, clean stop on SIGTERM.
import { describe, expect, it } from "@jest/globals";
import { execFile, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "src/cli/bin.ts");
const TSX = path.join(ROOT, "node_modules/tsx/dist/loader.mjs");

function serveEnv(): NodeJS.ProcessEnv {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return baseEnv({
    APP_ID: "12345",
    PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    WEBHOOK_SECRET: "test-secret",
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    MAESTRO_REDIS_PREFIX: `mtest-serve-${randomBytes(4).toString("hex")}`,
    MAESTRO_APP_SLUG: "maestro-test",
    MAESTRO_DATA_DIR: path.join(os.tmpdir(), `maestro-serve-${randomBytes(4).toString("hex")}`),
  });
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...extra };
}

describe("maestro serve (CLI)", () => {
  it("refuses to start without credentials, naming each missing variable (exit 2)", async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ["--import", TSX, BIN, "serve"], { env: baseEnv({}) }, (err, _out, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/APP_ID/);
    expect(r.stderr).toMatch(/WEBHOOK_SECRET/);
    expect(r.stderr).toMatch(/PRIVATE_KEY/);
  });

  it("serves /healthz and /readyz with real Redis and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", TSX, BIN, "serve", "--port", "0"], {
      env: serveEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /serving on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`serve exited early (${code}): ${out}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const code = await exited;
    // stderr in the failure message: an unclean stop says why.
    expect({ code, stderr: code === 0 ? "" : err }).toEqual({ code: 0, stderr: "" });
  }, 60_000);

  // The worker's Redis clients may still be connecting: closing them then once crashed the process
  // (BullMQ emitted an 'error' after dropping its listeners), so a stop at once must still exit 0.
  it("exits 0 on a SIGTERM that comes the moment its worker starts", async () => {
    for (let i = 0; i < 4; i++) {
      const child = spawn(process.execPath, ["--import", TSX, BIN, "serve", "--port", "0"], {
        env: serveEnv(),
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.stderr!.on("data", (c: Buffer) => {
        err += c.toString();
        // Once: a second signal is the operator's "exit now" (130).
        if (!child.killed && err.includes("maestro worker: processing runs")) child.kill("SIGTERM");
      });
      const code = await exited;
      expect({ attempt: i, code, stderr: code === 0 ? "" : err }).toEqual({
        attempt: i,
        code: 0,
        stderr: "",
      });
    }
  }, 120_000);
});
