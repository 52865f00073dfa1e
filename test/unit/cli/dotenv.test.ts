// serve, worker, doctor and setup read ./.env; the environment's own values win.
import { describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadDotEnv } from "../../../src/cli/dotenv.js";

describe("loading .env", () => {
  it("adds .env's variables the environment lacks (empty counts as unset), and names only those", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-dotenv-"));
    fs.writeFileSync(
      path.join(dir, ".env"),
      '# comment\nAPP_ID=12\nexport WEBHOOK_SECRET="from file"\nREDIS_URL=redis://file:6379\nMAESTRO_CONCURRENCY=4\n',
    );
    const before = { REDIS_URL: "redis://shell:6379", MAESTRO_CONCURRENCY: " ", PATH: "/bin" };
    const r = loadDotEnv(dir, before);
    expect(r.file).toBe(path.join(dir, ".env"));
    expect([...r.applied].sort()).toEqual(["APP_ID", "MAESTRO_CONCURRENCY", "WEBHOOK_SECRET"]);
    expect(r.env).toEqual({
      APP_ID: "12",
      WEBHOOK_SECRET: "from file",
      REDIS_URL: "redis://shell:6379",
      MAESTRO_CONCURRENCY: "4",
      PATH: "/bin",
    });
    // The given environment is not changed.
    expect(before.MAESTRO_CONCURRENCY).toBe(" ");
    fs.rmSync(dir, { recursive: true });
  });

  it("no .env: the environment as it was", () => {
    const env = { A: "1" };
    expect(loadDotEnv(os.tmpdir() + "/no-such-dir-maestro", env)).toEqual({ env, applied: [] });
  });
});
