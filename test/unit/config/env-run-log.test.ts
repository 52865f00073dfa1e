// MAESTRO_RUN_LOG_TTL_DAYS and MAESTRO_RUN_LOG_MAX_MB (issue 14: run logs in Redis).
import { describe, expect, it } from "@jest/globals";
import { loadEnvConfig } from "../../../src/config/env.js";

function thrown(env: NodeJS.ProcessEnv): string {
  try {
    loadEnvConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected loadEnvConfig to throw");
}

describe("run-log retention and size in Redis", () => {
  it("defaults: 30 days (the signed link's lifetime), 32 MiB per run", () => {
    const c = loadEnvConfig({});
    expect(c.runLogTtlDays).toBe(30);
    expect(c.runLogMaxBytes).toBe(32 * 1024 * 1024);
  });

  it("reads them; 0 MiB keeps run logs on the workers' disks only", () => {
    const c = loadEnvConfig({ MAESTRO_RUN_LOG_TTL_DAYS: "7", MAESTRO_RUN_LOG_MAX_MB: "0" });
    expect(c.runLogTtlDays).toBe(7);
    expect(c.runLogMaxBytes).toBe(0);
  });

  it("refuses values that are not whole numbers in range, saying what the variable is for", () => {
    for (const bad of ["0", "1.5", "a month", "-3", "3651"]) {
      const msg = thrown({ MAESTRO_RUN_LOG_TTL_DAYS: bad });
      expect(msg).toContain(`- MAESTRO_RUN_LOG_TTL_DAYS must be a whole number of days from 1 to 3650`);
      expect(msg).toContain(`got ${JSON.stringify(bad)}`);
      expect(msg).toContain("unset it to use the default");
    }
    for (const bad of ["32MB", "1.5", "-1", "4097"]) {
      expect(thrown({ MAESTRO_RUN_LOG_MAX_MB: bad })).toContain(
        "- MAESTRO_RUN_LOG_MAX_MB must be a whole number of MiB from 0 to 4096",
      );
    }
  });
});
