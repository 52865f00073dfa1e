// Run logs in Redis (issue 14): how much Redis memory a run's log takes per 1000 events, and what sending every
// event to the store costs the writer. Events are written the real way (RunLogWriter.openShared → RedisRunLogStore:
// stamped, validated, one stream entry per event, appended in batches), for four profiles: a realistic task (the mix
// of an agent session: short and long assistant messages, tool calls with small and large inputs, cumulative usage
// after each turn, a verify tail, commit, finish; seeded, so every run writes the same bytes) and fixed sizes of
// ≈ 300 B (usage-like), ≈ 1 KB and ≈ 4 KB (the writer's 4000-character cap). Memory is read two ways: MEMORY USAGE of
// the run's stream (SAMPLES 0: every node counted) and the INFO used_memory delta around the writes (noisy on a Redis
// that other processes use; the median of the repeats is shown). Write cost: wall time of write() for all events
// plus the final flush, with the store and without it (local file only), the two alternating in each repeat.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { RedisRunLogStore } from "../src/runlog/redis-store.js";
import { RunLogWriter, type RunLogWriterInput } from "../src/runlog/writer.js";
import { deleteKeys, REDIS_URL } from "../test/helpers/redis.js";
import { fmt, median } from "./lib/stats.js";

export interface RunLogRedisMemoryOptions {
  /** Events written per profile and repeat. */
  events: number;
  repeats: number;
}

type Profile = {
  name: string;
  realistic?: boolean;
  make: (rnd: () => number, i: number) => RunLogWriterInput[];
};

const WORDS =
  "the a to of and in is it for on with that this file test function return const let value error src index type import export should when new update fix add remove check run build config".split(
    " ",
  );

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function text(rnd: () => number, chars: number): string {
  let s = "";
  while (s.length < chars) s += WORDS[Math.floor(rnd() * WORDS.length)]! + (rnd() < 0.1 ? ".\n" : " ");
  return s.slice(0, chars);
}

const between = (rnd: () => number, lo: number, hi: number) => Math.floor(lo + rnd() * (hi - lo));

/** One task of an agent session: ≈ 40 events. */
function realisticTask(rnd: () => number, index: number): RunLogWriterInput[] {
  const out: RunLogWriterInput[] = [{ type: "task.started", index, text: text(rnd, between(rnd, 40, 160)) }];
  let input = 0;
  let output = 0;
  for (let turn = 0; turn < 13; turn++) {
    if (rnd() < 0.6) {
      const r = rnd();
      const chars =
        r < 0.6 ? between(rnd, 50, 300) : r < 0.9 ? between(rnd, 300, 1500) : between(rnd, 1500, 4000);
      out.push({ type: "agent.message", index, role: "assistant", text: text(rnd, chars) });
    }
    const r = rnd();
    const chars =
      r < 0.5 ? between(rnd, 30, 200) : r < 0.8 ? between(rnd, 100, 400) : between(rnd, 500, 4000);
    out.push({
      type: "agent.tool",
      index,
      name: ["Bash", "Read", "Edit", "Grep"][turn % 4]!,
      input: text(rnd, chars),
    });
    input += between(rnd, 2000, 9000);
    output += between(rnd, 100, 900);
    out.push({
      type: "agent.usage",
      index,
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: input * 3,
      cacheWriteTokens: Math.floor(input / 4),
      costUsd: Number(((input * 3 + output * 15) / 1e6).toFixed(6)),
      model: "claude-sonnet-4-5",
    });
  }
  out.push({
    type: "task.verify",
    index,
    command: "npm test",
    exitCode: 0,
    durationMs: between(rnd, 800, 20000),
    outputTail: text(rnd, between(rnd, 200, 4000)),
  });
  out.push({
    type: "task.committed",
    index,
    sha: randomBytes(20).toString("hex"),
    filesChanged: 2,
  });
  out.push({
    type: "task.finished",
    index,
    status: "done",
    durationMs: between(rnd, 20000, 300000),
    costUsd: 0.1,
  });
  return out;
}

const PROFILES: Profile[] = [
  { name: "realistic task mix", realistic: true, make: realisticTask },
  {
    name: "≈ 300 B (usage-like)",
    make: (rnd, i) => [
      {
        type: "agent.usage",
        index: i,
        inputTokens: between(rnd, 1000, 900000),
        outputTokens: between(rnd, 100, 90000),
        cacheReadTokens: between(rnd, 1000, 900000),
        cacheWriteTokens: between(rnd, 100, 90000),
        costUsd: 0.123456,
        model: "claude-sonnet-4-5",
      },
    ],
  },
  {
    name: "≈ 1 KB",
    make: (rnd, i) => [{ type: "agent.message", index: i, role: "assistant", text: text(rnd, 900) }],
  },
  {
    name: "≈ 4 KB (text at the 4000-character cap)",
    make: (rnd, i) => [{ type: "agent.message", index: i, role: "assistant", text: text(rnd, 4000) }],
  },
];

function eventsFor(profile: Profile, n: number, seed: number): RunLogWriterInput[] {
  const rnd = mulberry32(seed);
  const out: RunLogWriterInput[] = [];
  for (let i = 0; out.length < n; i++) out.push(...profile.make(rnd, i));
  return out.slice(0, n);
}

function usedMemory(info: string): number {
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

interface Sample {
  jsonlBytes: number;
  memoryUsage: number;
  infoDelta: number;
  msStore: number;
  msLocal: number;
}

export async function benchRunLogRedisMemory(opts: RunLogRedisMemoryOptions): Promise<string> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `{mbench-runlog-${process.pid}-${randomBytes(4).toString("hex")}}`;
  const store = new RedisRunLogStore(redis, prefix);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-runlog-"));
  const nodeMax = (await redis.config("GET", "stream-node-max-bytes")) as string[];
  const version = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "?";
  const rows: string[] = [];
  const realistic: { perTaskEvents: number; bytesPerEvent: number; memPerEvent: number } = {
    perTaskEvents: 0,
    bytesPerEvent: 0,
    memPerEvent: 0,
  };
  try {
    for (const profile of PROFILES) {
      const inputs = eventsFor(profile, opts.events, 42);
      const samples: Sample[] = [];
      for (let r = 0; r < opts.repeats; r++) {
        const runId = `bench${r}${randomBytes(4).toString("hex")}`;
        // Without the store first or second, alternating: same-run ratio.
        const local = async () => {
          const w = await RunLogWriter.openShared({ path: path.join(dir, `${runId}-local.jsonl`), runId });
          const t0 = process.hrtime.bigint();
          for (const e of inputs) w.write(e);
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          await w.close();
          return ms;
        };
        const shared = async () => {
          const before = usedMemory(await redis.info("memory"));
          const w = await RunLogWriter.openShared({
            path: path.join(dir, `${runId}.jsonl`),
            runId,
            shared: { store, maxPendingBytes: Number.MAX_SAFE_INTEGER },
          });
          const t0 = process.hrtime.bigint();
          for (const e of inputs) w.write(e);
          await w.flush(120_000);
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          await w.close();
          const after = usedMemory(await redis.info("memory"));
          const memoryUsage = Number(await redis.call("MEMORY", "USAGE", store.key(runId), "SAMPLES", "0"));
          const jsonlBytes = fs.statSync(path.join(dir, `${runId}.jsonl`)).size;
          return { ms, before, after, memoryUsage, jsonlBytes };
        };
        let msLocal: number;
        let s: Awaited<ReturnType<typeof shared>>;
        if (r % 2 === 0) {
          msLocal = await local();
          s = await shared();
        } else {
          s = await shared();
          msLocal = await local();
        }
        samples.push({
          jsonlBytes: s.jsonlBytes,
          memoryUsage: s.memoryUsage,
          infoDelta: s.after - s.before,
          msStore: s.ms,
          msLocal,
        });
        await redis.del(store.key(runId), `${store.key(runId)}:bytes`);
        fs.rmSync(path.join(dir, `${runId}.jsonl`), { force: true });
        fs.rmSync(path.join(dir, `${runId}-local.jsonl`), { force: true });
      }
      const per1000 = (x: number) => (x / opts.events) * 1000;
      const jsonl = median(samples.map((s) => s.jsonlBytes));
      const mem = median(samples.map((s) => s.memoryUsage));
      const delta = median(samples.map((s) => s.infoDelta));
      const usStore = (median(samples.map((s) => s.msStore)) * 1000) / opts.events;
      const usLocal = (median(samples.map((s) => s.msLocal)) * 1000) / opts.events;
      rows.push(
        `| ${profile.name} | ${fmt(jsonl / opts.events)} | ${fmt(per1000(jsonl) / 1024)} | ${fmt(per1000(mem) / 1024)} | ${fmt(mem / jsonl, 2)} | ${fmt(per1000(delta) / 1024)} | ${fmt(usLocal, 1)} | ${fmt(usStore, 1)} |`,
      );
      if (profile.realistic) {
        const rnd = mulberry32(7);
        let n = 0;
        for (let i = 0; i < 200; i++) n += realisticTask(rnd, i).length;
        realistic.perTaskEvents = n / 200;
        realistic.bytesPerEvent = jsonl / opts.events;
        realistic.memPerEvent = mem / opts.events;
      }
    }
  } finally {
    await deleteKeys(redis, prefix).catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const tasks1000 = realistic.perTaskEvents * 1000;
  return [
    `Redis ${version}, stream-node-max-bytes ${nodeMax[1] ?? "?"}; ${opts.events} events per profile, ${opts.repeats} repeats; medians.`,
    "",
    "| profile | JSONL bytes / event | JSONL KB / 1000 events | MEMORY USAGE KB / 1000 events | Redis / JSONL | used_memory Δ KB / 1000 events | write µs / event, local only | write + store µs / event |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `A 1000-task run of the realistic mix (${fmt(realistic.perTaskEvents, 1)} events per task, ${fmt(tasks1000)} events): ` +
      `${fmt((tasks1000 * realistic.bytesPerEvent) / 2 ** 20, 1)} MB of JSONL, ${fmt((tasks1000 * realistic.memPerEvent) / 2 ** 20, 1)} MB in Redis.`,
  ].join("\n");
}
