// Worker memory: where the RSS of one `maestro worker` (built dist/, MAESTRO_CONCURRENCY=4) goes while it
// really runs 4 runs at once. Runs are queued the real way (bench/lib/queued-runs.ts) with the queue
// paused, then one worker starts — without Octokit's write spacing (a plain-JS preload: tsx's loader
// alone would add ≈ 34 MB, see bench/lib/plain-preload.ts), so its 4 slots are busy — and the queue is
// resumed. The worker writes process.memoryUsage() and V8's heap spaces every 250 ms
// (MAESTRO_DEBUG_MEMORY_FILE); the benchmark polls the queue's active count beside it.
// Variants (BENCH_MEMORY_VARIANTS, comma-separated) differ only in the worker's environment and flags;
// they alternate within each round, so their ratios are same-run.
// Target (TARGETS.md): RSS ≤ 150 MB per worker process at MAESTRO_CONCURRENCY=4.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { MemorySample } from "../src/cli/memory-sampler.js";
import { createRunQueue } from "../src/queue/run-queue.js";
import { deleteKeys, REDIS_URL } from "../test/helpers/redis.js";
import { startLocalGitHub, type LocalGitHub } from "../test/support/local-github/index.js";
import { summarize } from "./lib/heap-snapshot-summary.js";
import { smapsOf, type SmapsSummary } from "./lib/smaps.js";
import { builtCli, ROOT, rssOf, startNodeProcess, TSX_LOADER } from "./lib/processes.js";
import {
  benchProcessEnv,
  createCommandAgentRepo,
  noWriteSpacingArgs,
  queueRunsThroughServe,
} from "./lib/queued-runs.js";
import { fmt, median } from "./lib/stats.js";

export interface WorkerMemoryOptions {
  /** Queued runs per worker start. */
  runs: number;
  rounds: number;
  agentMs: number;
  concurrency: number;
  variants: string[];
}

interface Variant {
  /** What the row says. */
  label: string;
  env?: NodeJS.ProcessEnv;
  /** Node flags before the CLI. */
  nodeArgs?: string[];
  /** Preload no-write-spacing through tsx's loader, as bench/scale.ts does. */
  tsxPreload?: boolean;
}

export const VARIANTS: Record<string, Variant> = {
  default: { label: "as shipped" },
  "tsx-preload": { label: "preload through tsx's loader (as bench/scale.ts)", tsxPreload: true },
  "semi-space-1": {
    label: "NODE_OPTIONS=--max-semi-space-size=1",
    env: { NODE_OPTIONS: "--max-semi-space-size=1" },
  },
  "semi-space-2": {
    label: "NODE_OPTIONS=--max-semi-space-size=2",
    env: { NODE_OPTIONS: "--max-semi-space-size=2" },
  },
  "semi-space-4": {
    label: "NODE_OPTIONS=--max-semi-space-size=4",
    env: { NODE_OPTIONS: "--max-semi-space-size=4" },
  },
  "growth-factor-1": {
    label: "node --semi-space-growth-factor=1",
    nodeArgs: ["--semi-space-growth-factor=1"],
  },
  "semi-space-16": {
    label: "NODE_OPTIONS=--max-semi-space-size=16 (V8's default on x64)",
    env: { NODE_OPTIONS: "--max-semi-space-size=16" },
  },
  "arena-2": { label: "MALLOC_ARENA_MAX=2", env: { MALLOC_ARENA_MAX: "2" } },
  "semi-space-2+arena-2": {
    label: "--max-semi-space-size=2 and MALLOC_ARENA_MAX=2",
    env: { NODE_OPTIONS: "--max-semi-space-size=2", MALLOC_ARENA_MAX: "2" },
  },
  "v8-pool-1": {
    label: "NODE_OPTIONS=--v8-pool-size=1 (one V8 platform thread instead of 4)",
    env: { NODE_OPTIONS: "--v8-pool-size=1" },
  },
  "no-sampler-proc": { label: "as shipped, RSS from /proc only (no MAESTRO_DEBUG_MEMORY_FILE)" },
};

interface WorkerResult {
  variant: string;
  /** After the worker command's imports ("start" line). */
  startMb: number;
  /** Taking jobs, before the queue is resumed. */
  idleMb: number;
  peakMb: number;
  /** Highest RSS while 4 runs were active. */
  peakAt4Mb: number;
  /** Median RSS over the samples with 4 runs active. */
  medianAt4Mb: number;
  /** The sample with the highest RSS, broken down. */
  atPeak: MemorySample | undefined;
  maxHeapUsedMb: number;
  maxNewSpaceMb: number;
  samplesAt4: number;
  wallS: number;
  failed: number;
  /** CPU seconds of the worker process itself (not git nor agents) per run. */
  cpuSPerRun: number;
  /** With BENCH_MEMORY_SNAPSHOT_DIR: live heap (snapshot after a full GC), idle and at full concurrency. */
  liveIdleMb?: number;
  /** Resident memory by mapping (/proc/<pid>/smaps): idle, and at the highest RSS with every slot busy. */
  idleSmaps?: SmapsSummary;
  peakSmaps?: SmapsSummary;
  liveBusyMb?: number;
  /** Live heap once every run is done (what runs leave behind). */
  liveAfterMb?: number;
}

const MB = 2 ** 20;

/** utime + stime of the process itself, seconds (clock ticks of 100 Hz). */
function ownCpuSeconds(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
const mb = (b: number) => b / MB;

/** RSS and heap after each cumulative import, in a fresh node (median of `repeats`). */
function importCosts(repeats: number): { step: string; rssMb: number; heapUsedMb: number }[] {
  const steps: [string, string][] = [
    ["node alone", ""],
    ["CLI (commander, run/validate/logs/doctor: zod, yaml, micromark, engine)", "./dist/cli/main.js"],
    ["ioredis", "ioredis"],
    ["bullmq", "bullmq"],
    ["probot", "probot"],
    ["worker modules (processor, git, GitHub helpers, queue)", "./dist/workers/worker.js"],
    ["rest of `maestro worker` (serve.js: handlers, prom-client, router)", "./dist/cli/worker.js"],
  ];
  const script = `
    const out = [];
    const snap = (step) => { globalThis.gc(); const m = process.memoryUsage(); out.push({ step, rss: m.rss, heapUsed: m.heapUsed }); };
    for (const [step, mod] of JSON.parse(process.argv[1])) { if (mod) await import(mod.startsWith(".") ? ${JSON.stringify(ROOT + "/")} + mod : mod); snap(step); }
    console.log(JSON.stringify(out));`;
  const runs: { step: string; rss: number; heapUsed: number }[][] = [];
  for (let i = 0; i < repeats; i++) {
    const out = execFileSync(
      process.execPath,
      ["--expose-gc", "--input-type=module", "-e", script, JSON.stringify(steps)],
      { cwd: ROOT, encoding: "utf8" },
    );
    runs.push(JSON.parse(out) as { step: string; rss: number; heapUsed: number }[]);
  }
  return steps.map(([step], i) => ({
    step,
    rssMb: mb(median(runs.map((r) => r[i]!.rss))),
    heapUsedMb: mb(median(runs.map((r) => r[i]!.heapUsed))),
  }));
}

function readSamples(file: string): MemorySample[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as MemorySample);
}

async function oneWorker(
  gh: LocalGitHub,
  cli: string,
  variantName: string,
  o: WorkerMemoryOptions,
): Promise<WorkerResult> {
  const variant = VARIANTS[variantName]!;
  const prefix = `{bench-wmem-${process.pid}-${randomBytes(3).toString("hex")}}`;
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-wmem-")));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createRunQueue(redis, prefix);
  const memFile = path.join(tmp, "memory.jsonl");
  const baseEnv = (dataDir: string): NodeJS.ProcessEnv => ({
    ...benchProcessEnv({ gh, home: tmp, prefix, dataDir, concurrency: o.concurrency }),
    // Octokit's in-process spacing, which the preload removes (it turns the shared one off as well).
    MAESTRO_SHARED_WRITE_LIMIT: "0",
  });
  let worker: Awaited<ReturnType<typeof startNodeProcess>> | undefined;
  let snapDir: string | undefined;
  try {
    const repo = await createCommandAgentRepo(gh, "wmem", o.agentMs);
    await queueRunsThroughServe({
      gh,
      cli,
      queue,
      repo,
      runs: o.runs,
      env: baseEnv(path.join(tmp, "serve")),
    });
    const preload = variant.tsxPreload
      ? ["--import", TSX_LOADER, "--import", "./bench/lib/no-write-spacing.ts"]
      : noWriteSpacingArgs();
    // Diagnostics (BENCH_MEMORY_SNAPSHOT_DIR): heap snapshots of the idle worker and at full concurrency.
    snapDir = process.env.BENCH_MEMORY_SNAPSHOT_DIR
      ? path.resolve(
          process.env.BENCH_MEMORY_SNAPSHOT_DIR,
          `${variantName}-${randomBytes(2).toString("hex")}`,
        )
      : undefined;
    if (snapDir) fs.mkdirSync(snapDir, { recursive: true });
    const snapArgs = snapDir ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${snapDir}`] : [];
    worker = await startNodeProcess(
      [...preload, ...snapArgs, ...(variant.nodeArgs ?? []), cli, "worker"],
      {
        ...baseEnv(path.join(tmp, "worker")),
        ...(variantName === "no-sampler-proc" ? {} : { MAESTRO_DEBUG_MEMORY_FILE: memFile }),
        ...variant.env,
      },
      /maestro worker: processing runs()/,
    );
    const pid = worker.child.pid;
    // Settle: the idle worker, taking jobs from a paused queue.
    await new Promise((r) => setTimeout(r, 1500));
    const idleProcRss = rssOf(pid);
    const idleSmaps = smapsOf(pid);
    let peakSmaps: SmapsSummary | undefined;
    if (snapDir) {
      worker.child.kill("SIGUSR2");
      await new Promise((r) => setTimeout(r, 3000));
    }
    const cpu0 = ownCpuSeconds(pid);
    let busyPolls = 0;
    const polls: { t: number; active: number; rss: number }[] = [];
    const t0 = Date.now();
    await queue.resume();
    let failed = 0;
    for (;;) {
      const c = await queue.getJobCounts("active", "completed", "failed");
      const rss = rssOf(pid);
      const busy = (c.active ?? 0) >= o.concurrency;
      // The mappings at the highest RSS with every slot busy.
      if (busy && rss > Math.max(0, ...polls.filter((p) => p.active >= o.concurrency).map((p) => p.rss)))
        peakSmaps = smapsOf(pid) ?? peakSmaps;
      polls.push({ t: Date.now(), active: c.active ?? 0, rss });
      busyPolls = busy ? busyPolls + 1 : 0;
      // Once, 3 s into full concurrency.
      if (snapDir && busyPolls === 12) worker.child.kill("SIGUSR2");
      failed = c.failed ?? 0;
      if ((c.completed ?? 0) + failed >= o.runs) break;
      if (Date.now() - t0 > 15 * 60_000)
        throw new Error(`worker-memory: timed out with ${JSON.stringify(c)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallS = (Date.now() - t0) / 1000;
    const cpuS = ownCpuSeconds(pid) - cpu0;
    await new Promise((r) => setTimeout(r, 300));
    if (snapDir) {
      worker.child.kill("SIGUSR2");
      for (let t = Date.now(); Date.now() - t < 30_000;) {
        const written = fs.readdirSync(snapDir).filter((f) => f.endsWith(".heapsnapshot"));
        if (written.length >= 3) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // The file appears when the snapshot starts; give the writer time to finish it.
      await new Promise((r) => setTimeout(r, 3000));
    }
    await worker.stop();
    // The worker must really have run without write spacing, or its 4 runs mostly waited.
    if (!worker.output().includes("no-write-spacing: octokit-write minTime 0"))
      throw new Error(`worker-memory: the worker kept its write spacing:\n${worker.output().slice(-2000)}`);
    const samples = readSamples(memFile);
    const snaps = snapDir
      ? fs
          .readdirSync(snapDir)
          .filter((f) => f.endsWith(".heapsnapshot"))
          .sort()
          .map((f) => [...summarize(path.join(snapDir!, f)).values()].reduce((a, e) => a + e.bytes, 0))
      : [];
    const activeAt = (t: number) => {
      let a = 0;
      for (const p of polls) if (p.t <= t) a = p.active;
      return a;
    };
    const start = samples.find((s) => s.phase === "start");
    const running = samples.filter((s) => s.t >= t0 && s.phase === "sample");
    const at4 = running.filter((s) => activeAt(s.t) >= o.concurrency);
    // Without the sampler (or as a cross-check): /proc polled by the benchmark.
    const procAt4 = polls.filter((p) => p.active >= o.concurrency).map((p) => p.rss);
    const rssAt4 = at4.length > 0 ? at4.map((s) => s.rss) : procAt4;
    const atPeak = running.reduce<MemorySample | undefined>(
      (a, s) => (!a || s.rss > a.rss ? s : a),
      undefined,
    );
    return {
      variant: variantName,
      startMb: start ? mb(start.rss) : NaN,
      idleMb: mb(idleProcRss),
      peakMb: mb(Math.max(...running.map((s) => s.rss), ...polls.map((p) => p.rss))),
      peakAt4Mb: mb(Math.max(...rssAt4)),
      medianAt4Mb: mb(median(rssAt4)),
      atPeak,
      maxHeapUsedMb: mb(Math.max(0, ...running.map((s) => s.heapUsed))),
      maxNewSpaceMb: mb(Math.max(0, ...running.map((s) => s.spaces.new_space ?? 0))),
      samplesAt4: rssAt4.length,
      wallS,
      failed,
      cpuSPerRun: cpuS / o.runs,
      ...(idleSmaps ? { idleSmaps } : {}),
      ...(peakSmaps ? { peakSmaps } : {}),
      ...(snaps.length === 3
        ? { liveIdleMb: mb(snaps[0]!), liveBusyMb: mb(snaps[1]!), liveAfterMb: mb(snaps[2]!) }
        : {}),
    };
  } finally {
    await worker?.stop();
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
    if (snapDir) process.stderr.write(`worker-memory: heap snapshots in ${snapDir}\n`);
    if (process.env.BENCH_KEEP === "1") process.stderr.write(`worker-memory: kept ${tmp}\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function benchWorkerMemory(o: WorkerMemoryOptions): Promise<string> {
  const unknown = o.variants.filter((v) => !(v in VARIANTS));
  if (unknown.length > 0)
    throw new Error(
      `worker-memory: unknown variant ${unknown.join(", ")}; choose from ${Object.keys(VARIANTS).join(", ")}`,
    );
  const cli = builtCli();
  const imports = importCosts(3);
  const gh = await startLocalGitHub({ appId: 4242, privateKey: "generate" });
  const results: WorkerResult[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < o.rounds; r++) {
      // Rotate the order so no variant always runs first (warm caches, machine load).
      const order = o.variants.map((_, i) => o.variants[(i + r) % o.variants.length]!);
      for (const v of order) {
        loads.push(os.loadavg()[0]!);
        const res = await oneWorker(gh, cli, v, o);
        results.push(res);
        process.stderr.write(
          `worker-memory: round ${r + 1} ${v}: start ${fmt(res.startMb)} MB, idle ${fmt(res.idleMb)} MB, peak ${fmt(res.peakMb)} MB, ` +
            `peak at ${o.concurrency} runs ${fmt(res.peakAt4Mb)} MB (${res.samplesAt4} samples), heapUsed max ${fmt(res.maxHeapUsedMb)} MB, ` +
            `new space max ${fmt(res.maxNewSpaceMb)} MB, ${fmt(res.wallS, 1)} s, worker CPU ${fmt(res.cpuSPerRun, 3)} s/run, failed ${res.failed}` +
            (res.liveIdleMb !== undefined
              ? `, live heap idle ${fmt(res.liveIdleMb, 1)} MB, at ${o.concurrency} runs ${fmt(res.liveBusyMb!, 1)} MB, after the runs ${fmt(res.liveAfterMb!, 1)} MB`
              : "") +
            "\n",
        );
      }
    }
    const problems = gh.problems();
    if (problems.length > 0)
      process.stderr.write(`worker-memory: local GitHub problems: ${problems.join("; ")}\n`);
  } finally {
    await gh.close();
  }

  const byVariant = (v: string) => results.filter((r) => r.variant === v);
  const med = (v: string, f: (r: WorkerResult) => number) => median(byVariant(v).map(f));
  const base = o.variants[0]!;
  const space = (s: MemorySample | undefined, name: string) => mb(s?.spaces[name] ?? NaN);
  const heapSpaces = (s: MemorySample | undefined) =>
    s ? mb(Object.values(s.spaces).reduce((a, b) => a + b, 0)) : NaN;
  return [
    `One \`maestro worker\` (built CLI, MAESTRO_CONCURRENCY=${o.concurrency}, write spacing removed by a plain-JS preload) ` +
      `working off ${o.runs} queued 3-task runs (a \`command\` agent that sleeps ${o.agentMs} ms per task) from the local ` +
      `GitHub; ${o.rounds} round(s), variants alternating; RSS from the worker's own samples every 250 ms ` +
      `(MAESTRO_DEBUG_MEMORY_FILE) and from /proc. Load average during the runs: ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)}.`,
    "",
    "Module load (a fresh `node`, cumulative imports in the worker's order, after a GC, median of 3):",
    "",
    "| after importing | RSS (MB) | + RSS (MB) | heap used (MB) |",
    "| --- | ---: | ---: | ---: |",
    ...imports.map(
      (s, i) =>
        `| ${s.step} | ${fmt(s.rssMb)} | ${i === 0 ? "" : fmt(s.rssMb - imports[i - 1]!.rssMb)} | ${fmt(s.heapUsedMb, 1)} |`,
    ),
    "",
    "The worker at work (medians over the rounds; × = against the first variant):",
    "",
    `| variant | after imports (MB) | idle (MB) | peak RSS at ${o.concurrency} runs (MB) | × | median RSS at ${o.concurrency} runs (MB) | peak RSS (MB) | heap used max (MB) | new space max (MB) | worker CPU s per run | runs/min |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...o.variants.map((v) => {
      const cells = [
        fmt(med(v, (r) => r.startMb)),
        fmt(med(v, (r) => r.idleMb)),
        fmt(med(v, (r) => r.peakAt4Mb)),
        fmt(med(v, (r) => r.peakAt4Mb) / med(base, (r) => r.peakAt4Mb), 2),
        fmt(med(v, (r) => r.medianAt4Mb)),
        fmt(med(v, (r) => r.peakMb)),
        fmt(
          med(v, (r) => r.maxHeapUsedMb),
          1,
        ),
        fmt(
          med(v, (r) => r.maxNewSpaceMb),
          1,
        ),
        fmt(
          med(v, (r) => r.cpuSPerRun),
          3,
        ),
        fmt(median(byVariant(v).map((r) => (o.runs / r.wallS) * 60)), 1),
      ];
      return `| ${VARIANTS[v]!.label} | ${cells.join(" | ")} |`;
    }),
    ...(results.some((r) => r.liveIdleMb !== undefined)
      ? [
          "",
          "Live heap from heap snapshots (BENCH_MEMORY_SNAPSHOT_DIR; a snapshot runs a full GC first, and writing it " +
            "inflates that round's RSS, so the RSS figures of such a run are not comparable): " +
            o.variants
              .map(
                (v) =>
                  `${VARIANTS[v]!.label}: ` +
                  [
                    `idle ${fmt(
                      med(v, (r) => r.liveIdleMb ?? NaN),
                      1,
                    )} MB`,
                    `at ${o.concurrency} runs ${fmt(
                      med(v, (r) => r.liveBusyMb ?? NaN),
                      1,
                    )} MB`,
                    `after the ${o.runs} runs ${fmt(
                      med(v, (r) => r.liveAfterMb ?? NaN),
                      1,
                    )} MB`,
                  ].join(", "),
              )
              .join("; ") +
            ".",
        ]
      : []),
    "",
    `Resident memory by mapping (\`/proc/<pid>/smaps\`), idle and at the highest RSS with ${o.concurrency} runs (the round with the median peak):`,
    "",
    "| variant | when | total (MB) | node executable (file, shared) | other files | malloc main arena | malloc thread arenas | other anonymous (V8 heap, code, stacks) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...o.variants.flatMap((v) => {
      const rs = byVariant(v)
        .filter((r) => r.peakSmaps && r.idleSmaps)
        .sort((a, b) => a.peakAt4Mb - b.peakAt4Mb);
      const r = rs[Math.floor((rs.length - 1) / 2)];
      if (!r) return [];
      const row = (when: string, m: SmapsSummary) =>
        `| ${VARIANTS[v]!.label} | ${when} | ${[m.totalKb, m.nodeBinaryKb, m.otherFilesKb, m.mallocMainKb, m.mallocThreadArenasKb, m.otherAnonKb].map((k) => fmt(k / 1024)).join(" | ")} |`;
      return [row("idle", r.idleSmaps!), row(`${o.concurrency} runs`, r.peakSmaps!)];
    }),
    "",
    "V8's own view at the peak-RSS sample (the round with the median peak; committed sizes move with each GC, " +
      "so one sample is indicative only):",
    "",
    "| variant | RSS | V8 heap committed | of which new space | old space | code space | large objects | heap used | external (of which array buffers) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...o.variants
      .filter((v) => byVariant(v).some((r) => r.atPeak))
      .map((v) => {
        const rs = byVariant(v)
          .filter((r) => r.atPeak)
          .sort((a, b) => a.peakMb - b.peakMb);
        const s = rs[Math.floor((rs.length - 1) / 2)]!.atPeak!;
        return (
          `| ${VARIANTS[v]!.label} | ${fmt(mb(s.rss))} | ${fmt(heapSpaces(s))} | ${fmt(space(s, "new_space"))} | ` +
          `${fmt(space(s, "old_space"))} | ${fmt(space(s, "code_space"))} | ${fmt(space(s, "large_object_space"))} | ` +
          `${fmt(mb(s.heapUsed))} | ${fmt(mb(s.external))} (${fmt(mb(s.arrayBuffers))}) |`
        );
      }),
  ].join("\n");
}
