// MAESTRO_DEBUG_MEMORY_FILE: the worker's memory samples are JSON lines with the memoryUsage fields.
import { describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { Redis } from "ioredis";
import { startMemorySampler, type MemorySample } from "../../../src/cli/memory-sampler.js";
import { runWorkerCommand } from "../../../src/cli/worker.js";
import { generateAppPrivateKey } from "../../helpers/github-api.js";
import { REDIS_URL, deleteKeys, uniquePrefix } from "../../helpers/redis.js";

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-memory-sampler-")), "memory.jsonl");
}

function lines(file: string): MemorySample[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as MemorySample);
}

function expectSample(s: MemorySample) {
  for (const k of ["t", "rss", "heapTotal", "heapUsed", "external", "arrayBuffers"] as const) {
    expect(Number.isFinite(s[k])).toBe(true);
    expect(s[k]).toBeGreaterThanOrEqual(0);
  }
  expect(s.rss).toBeGreaterThan(s.heapUsed);
  expect(s.spaces.new_space).toBeGreaterThan(0);
  expect(s.spaces.old_space).toBeGreaterThan(0);
}

describe("memory sampler", () => {
  it("appends a start line, a line per interval and a stop line, each valid JSON", async () => {
    const file = tmpFile();
    fs.writeFileSync(file, "");
    const sampler = startMemorySampler(file, 20);
    await new Promise((r) => setTimeout(r, 120));
    sampler.mark("ready");
    sampler.stop();
    sampler.stop();
    const got = lines(file);
    expect(got[0]!.phase).toBe("start");
    expect(got.at(-1)!.phase).toBe("stop");
    expect(got.filter((s) => s.phase === "stop")).toHaveLength(1);
    expect(got.some((s) => s.phase === "ready")).toBe(true);
    expect(got.filter((s) => s.phase === "sample").length).toBeGreaterThanOrEqual(2);
    got.forEach(expectSample);
    // The timer is gone after stop: nothing more is written.
    const n = got.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(lines(file)).toHaveLength(n);
  });

  it("refuses a file it cannot open, naming the variable", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-memory-sampler-"));
    expect(() => startMemorySampler(path.join(dir, "missing-dir", "m.jsonl"))).toThrow(
      /MAESTRO_DEBUG_MEMORY_FILE .*missing-dir.* cannot be opened for appending \(ENOENT\)/,
    );
  });

  it("maestro worker writes start, ready and stop samples when MAESTRO_DEBUG_MEMORY_FILE is set", async () => {
    const file = tmpFile();
    const prefix = uniquePrefix("memory-sampler");
    const ctl = new AbortController();
    const stderr = new PassThrough();
    stderr.resume();
    const code = await runWorkerCommand(
      {
        APP_ID: "1",
        PRIVATE_KEY: generateAppPrivateKey(),
        MAESTRO_APP_SLUG: "maestro-test",
        MAESTRO_REDIS_PREFIX: prefix,
        REDIS_URL,
        MAESTRO_DATA_DIR: path.join(path.dirname(file), "data"),
        MAESTRO_DEBUG_MEMORY_FILE: file,
      },
      { signal: ctl.signal, stderr, onStarted: () => ctl.abort() },
    );
    expect(code).toBe(0);
    const phases = lines(file).map((s) => s.phase);
    expect(phases[0]).toBe("start");
    expect(phases).toContain("ready");
    expect(phases.at(-1)).toBe("stop");
    lines(file).forEach(expectSample);
    const redis = new Redis(REDIS_URL);
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it("maestro worker exits 2 when MAESTRO_DEBUG_MEMORY_FILE cannot be written", async () => {
    let err = "";
    const stderr = new PassThrough();
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await runWorkerCommand(
      {
        APP_ID: "1",
        PRIVATE_KEY: generateAppPrivateKey(),
        MAESTRO_APP_SLUG: "maestro-test",
        REDIS_URL,
        MAESTRO_DEBUG_MEMORY_FILE: "/nonexistent-dir/memory.jsonl",
      },
      { stderr },
    );
    expect(code).toBe(2);
    expect(err).toContain("MAESTRO_DEBUG_MEMORY_FILE /nonexistent-dir/memory.jsonl cannot be opened");
  });
});
