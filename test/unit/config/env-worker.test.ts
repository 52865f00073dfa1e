// The worker's own environment settings (beyond DESIGN §10).
import { describe, expect, it } from "@jest/globals";
import { loadEnvConfig } from "../../../src/config/env.js";

describe("MAESTRO_MIN_FREE_DISK_MB", () => {
  it("defaults to 1024 and refuses what is not a number", () => {
    expect(loadEnvConfig({}).minFreeDiskMb).toBe(1024);
    expect(loadEnvConfig({ MAESTRO_MIN_FREE_DISK_MB: "10" }).minFreeDiskMb).toBe(10);
    expect(() => loadEnvConfig({ MAESTRO_MIN_FREE_DISK_MB: "1G" })).toThrow(/MAESTRO_MIN_FREE_DISK_MB/);
  });
});

describe("MAESTRO_WORKTREE_POOL_SIZE", () => {
  it("defaults to the concurrency, takes 0, refuses what is not a whole number", () => {
    expect(loadEnvConfig({ MAESTRO_CONCURRENCY: "3" }).worktreePoolSize).toBe(3);
    expect(loadEnvConfig({ MAESTRO_WORKTREE_POOL_SIZE: "0" }).worktreePoolSize).toBe(0);
    expect(() => loadEnvConfig({ MAESTRO_WORKTREE_POOL_SIZE: "many" })).toThrow(/MAESTRO_WORKTREE_POOL_SIZE/);
  });
});

describe("MAESTRO_LOCK_DURATION_MS / MAESTRO_STALLED_INTERVAL_MS", () => {
  it("default to 30 s / 15 s and refuse values too small to renew a lock in time", () => {
    expect(loadEnvConfig({})).toMatchObject({ lockDurationMs: 30_000, stalledIntervalMs: 15_000 });
    expect(() => loadEnvConfig({ MAESTRO_LOCK_DURATION_MS: "100" })).toThrow(/at least 5000/);
    expect(() => loadEnvConfig({ MAESTRO_STALLED_INTERVAL_MS: "x" })).toThrow(/MAESTRO_STALLED_INTERVAL_MS/);
  });
});
