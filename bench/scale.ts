// Scale-out: N queued runs of a 3-task playbook with a `command` agent, processed by 1, 2 and 4
// `maestro worker` processes (built dist/, MAESTRO_CONCURRENCY=4 each) against one Redis and the local
// GitHub (test/support/local-github: REST, app auth, git smart HTTP). The runs are queued the real way:
// `/maestro run` comments delivered as signed webhooks to `maestro serve`, while the queue is paused;
// serve then stops, the workers start, and the queue is resumed: time zero.
// GitHub's write spacing is shared by all processes (src/github/write-limiter.ts), so one installation
// is bounded by it whatever the worker count: the runs are spread over several installations (one repo
// each), and a second, smaller measurement shows that bound on one installation with 1 and 4 workers.
// Targets (TARGETS.md): 4 workers ≥ 3.5× one; 0 stalled jobs; RSS ≤ 150 MB per worker at concurrency 4.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { QueueEvents, type Job } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_NAME } from "../src/queue/names.js";
import { createRunQueue } from "../src/queue/run-queue.js";
import { startLocalGitHub, type LocalGitHub } from "../test/support/local-github/index.js";
import { deleteKeys, REDIS_URL } from "../test/helpers/redis.js";
import { builtCli, rssOf, startNodeProcess, TSX_LOADER, type ServerProcess } from "./lib/processes.js";
import { benchProcessEnv, createCommandAgentRepo } from "./lib/queued-runs.js";
import { fmt, median, percentile } from "./lib/stats.js";
import { barChartSvg, writePlot } from "./lib/svg.js";

export interface ScaleOptions {
  runs: number;
  workerCounts: number[];
  concurrency: number;
  /** How long the fake agent works per task. */
  agentMs: number;
  /** Installations (one repo each) the runs are spread over, round-robin. */
  installations: number;
  /** Runs on one installation, with 1 and 4 workers: the shared spacing's bound (0 skips it). */
  boundRuns: number;
  /** Prototype: workers without Octokit's write spacing (bench/lib/no-write-spacing.ts). */
  noWriteSpacing?: boolean;
  /** Workers with MAESTRO_SHARED_WRITE_LIMIT=0: each spaces its own writes (as before the shared limiter). */
  perProcessSpacing?: boolean;
}

interface RoundResult {
  workers: number;
  perProcessSpacing: boolean;
  runs: number;
  installations: number;
  wallMs: number;
  runsPerMinute: number;
  waitP50: number;
  waitP99: number;
  stalled: number;
  failed: number;
  prs: number;
  maxRssMb: number[];
  /** CPU seconds of the worker processes and their children (git, agents), from /proc. */
  cpuS: number;
  /** CPU seconds of this process (the local GitHub: REST stand-in and git's smart HTTP) and its children. */
  standInCpuS: number;
  /** CPU seconds of every redis-server on the machine. */
  redisCpuS: number;
  /** Both cores' busy share over the round, from /proc/stat (anything else running counts too). */
  machineBusyPct: number;
  /** Most REST writes (POST/PATCH/PUT/DELETE) one installation got within any 60 s (GitHub: at most 80). */
  peakWritesPerMin: number;
  writesPerRun: number;
  /** 1-minute load average at the start and at the end of the round. */
  load: [number, number];
}

const NO_SPACING = ["--import", TSX_LOADER, "--import", "./bench/lib/no-write-spacing.ts"];

function cpuSecondsOfTree(pids: number[]): number {
  // utime+stime of the process plus cutime+cstime (waited-for children), in clock ticks (100 Hz).
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}

function pidsOf(name: string): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, "utf8").trim() === name) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** [busy, total] clock ticks of all cores since boot. */
function machineTicks(): [number, number] {
  const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return [total - f[3]! - f[4]!, total];
}

let nextInstallation = 100;

async function round(gh: LocalGitHub, cli: string, workers: number, o: ScaleOptions): Promise<RoundResult> {
  const load0 = os.loadavg()[0]!;
  const prefix = `{bench-scale-${process.pid}-${randomBytes(3).toString("hex")}}`;
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-scale-")));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createRunQueue(redis, prefix);
  const eventsConnection = redis.duplicate();
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix });
  let stalled = 0;
  events.on("stalled", () => (stalled += 1));
  const procs: ServerProcess[] = [];
  // One repo per installation, each installation new (its write spacing starts empty).
  const repos: { repo: string; installation: number }[] = [];
  const tag = `${workers}w${o.installations}i-${randomBytes(2).toString("hex")}`;
  for (let k = 0; k < o.installations; k++) {
    const name = `scale-${tag}-${k}`;
    const installation = nextInstallation++;
    const repo = await createCommandAgentRepo(gh, name, o.agentMs, { name, installationId: installation });
    repos.push({ repo, installation });
  }
  const baseEnv = (dataDir: string): NodeJS.ProcessEnv =>
    benchProcessEnv({ gh, home: tmp, prefix, dataDir, concurrency: o.concurrency });
  try {
    await events.waitUntilReady();
    // 1. Queue the runs through serve, with the queue paused so nothing starts yet.
    await queue.pause();
    // Queuing is not what is measured here: serve runs without write spacing (bench/lib/no-write-spacing.ts,
    // which also turns the shared spacing off), or queuing 200 runs would take minutes per installation.
    const serve = await startNodeProcess(
      [...NO_SPACING, cli, "serve", "--port", "0"],
      baseEnv(path.join(tmp, "serve")),
      /serving on (http:\S+)/,
    );
    procs.push(serve);
    gh.setWebhookUrl(`${serve.url}/api/github/webhooks`);
    for (let i = 0; i < o.runs; i++) {
      const { repo } = repos[i % repos.length]!;
      const issue = gh.createIssue(repo, {
        title: `Scale ${i}`,
        body: "Three files.\n\n- [ ] Write the first file\n- [ ] Write the second file\n- [ ] Write the third file\n",
        user: "alice",
      });
      const { delivery } = await gh.postComment(repo, issue.number, "/maestro run", { user: "alice" });
      if (delivery && delivery.status >= 300) throw new Error(`delivery answered ${delivery.status}`);
    }
    for (let t = Date.now(); ;) {
      const c = await queue.getJobCounts("paused", "waiting");
      if ((c.paused ?? 0) + (c.waiting ?? 0) >= o.runs) break;
      if (Date.now() - t > 60_000) throw new Error(`only ${JSON.stringify(c)} jobs queued of ${o.runs}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await serve.stop();
    procs.length = 0;

    // 2. Start the workers, then resume: time zero.
    for (let w = 0; w < workers; w++) {
      procs.push(
        await startNodeProcess(
          [...(o.noWriteSpacing ? NO_SPACING : []), cli, "worker"],
          {
            ...baseEnv(path.join(tmp, `worker-${w}`)),
            ...(o.perProcessSpacing ? { MAESTRO_SHARED_WRITE_LIMIT: "0" } : {}),
          },
          /maestro worker: processing runs()/,
        ),
      );
    }
    const maxRss = procs.map(() => 0);
    const sampler = setInterval(() => {
      procs.forEach((p, i) => (maxRss[i] = Math.max(maxRss[i]!, rssOf(p.child.pid))));
    }, 250);
    const redisPids = pidsOf("redis-server");
    const cpu0 = {
      self: cpuSecondsOfTree([process.pid]),
      redis: cpuSecondsOfTree(redisPids),
      machine: machineTicks(),
    };
    const t0 = Date.now();
    await queue.resume();
    let done = 0;
    let failed = 0;
    for (;;) {
      const c = await queue.getJobCounts("completed", "failed");
      done = (c.completed ?? 0) + (c.failed ?? 0);
      failed = c.failed ?? 0;
      if (done >= o.runs) break;
      if (Date.now() - t0 > 30 * 60_000) throw new Error(`scale round timed out: ${done}/${o.runs} done`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const wallMs = Date.now() - t0;
    const load1 = os.loadavg()[0]!;
    const machine1 = machineTicks();
    const standInCpuS = cpuSecondsOfTree([process.pid]) - cpu0.self;
    const redisCpuS = cpuSecondsOfTree(redisPids) - cpu0.redis;
    const machineBusyPct = (100 * (machine1[0] - cpu0.machine[0])) / (machine1[1] - cpu0.machine[1]);
    // REST writes as they reached GitHub, per installation: not token requests, not git's smart-HTTP POSTs
    // (fetch, push), which are no API requests.
    const byInstallation = new Map<string, number[]>();
    let writes = 0;
    for (const r of gh.requests()) {
      if (
        r.at < t0 ||
        r.method === "GET" ||
        r.route === null ||
        r.route.startsWith("GIT ") ||
        r.route === "POST /app/installations/{installation_id}/access_tokens"
      )
        continue;
      if (!repos.some((x) => r.auth === `installation:${x.installation}`)) continue;
      writes += 1;
      byInstallation.set(r.auth, [...(byInstallation.get(r.auth) ?? []), r.at]);
    }
    let peakWritesPerMin = 0;
    for (const ts of byInstallation.values()) {
      ts.sort((a, b) => a - b);
      for (let i = 0, j = 0; i < ts.length; i++) {
        while (ts[i]! - ts[j]! >= 60_000) j++;
        peakWritesPerMin = Math.max(peakWritesPerMin, i - j + 1);
      }
    }
    if (process.env.BENCH_SCALE_TRACE === "1") {
      for (const r of gh.requests().filter((x) => x.at >= t0))
        process.stderr.write(`  +${r.at - t0} ms ${r.method} ${r.route ?? r.path} ${r.status}\n`);
    }
    clearInterval(sampler);
    const cpuS = cpuSecondsOfTree(procs.map((p) => p.child.pid!));
    const jobs = (await queue.getJobs(["completed", "failed"], 0, o.runs + 10)) as Job[];
    const waits = jobs.map((j) => (j.processedOn ?? t0) - Math.max(j.timestamp, t0));
    if (failed > 0) {
      const reasons = [...new Set(jobs.map((j) => j.failedReason).filter(Boolean))].slice(0, 3);
      process.stderr.write(`scale: ${failed} failed runs: ${reasons.join(" | ")}\n`);
    }
    return {
      workers,
      perProcessSpacing: !!o.perProcessSpacing,
      runs: o.runs,
      installations: o.installations,
      wallMs,
      runsPerMinute: (o.runs / wallMs) * 60_000,
      waitP50: median(waits),
      waitP99: percentile(waits, 99),
      stalled,
      failed,
      prs: repos.reduce((n, x) => n + gh.pulls(x.repo).length, 0),
      maxRssMb: maxRss.map((b) => b / 2 ** 20),
      cpuS,
      standInCpuS,
      redisCpuS,
      machineBusyPct,
      peakWritesPerMin,
      writesPerRun: writes / o.runs,
      load: [load0, load1],
    };
  } finally {
    // CPU is read before this: a stopped worker's /proc entry is gone.
    for (const p of procs) await p.stop();
    await events.close();
    eventsConnection.disconnect();
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
    if (process.env.BENCH_KEEP === "1") process.stderr.write(`scale: kept ${tmp}\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function logRound(r: RoundResult): void {
  process.stderr.write(
    `scale: ${r.workers} worker(s)${r.perProcessSpacing ? " with per-process spacing" : ""}, ${r.runs} runs on ${r.installations} installation(s): ${fmt(r.wallMs)} ms, ` +
      `${fmt(r.runsPerMinute, 1)} runs/min, wait p99 ${fmt(r.waitP99)} ms, stalled ${r.stalled}, failed ${r.failed}, ` +
      `PRs ${r.prs}, CPU per run ${fmt(r.cpuS / r.runs, 2)} s workers / ${fmt(r.standInCpuS / r.runs, 2)} s local GitHub / ${fmt(r.redisCpuS / r.runs, 2)} s Redis, cores ${fmt(r.machineBusyPct)} % busy, RSS ${r.maxRssMb.map((m) => fmt(m)).join("/")} MB, peak ${r.peakWritesPerMin} writes/min to one installation, ` +
      `load ${fmt(r.load[0], 1)}→${fmt(r.load[1], 1)}\n`,
  );
}

function table(results: RoundResult[]): string[] {
  const one = results.find((r) => r.workers === 1 && !r.perProcessSpacing);
  return [
    "| workers | wall (s) | runs/min | × one worker | queue wait p50 (s) | p99 (s) | stalled | failed | draft PRs | max RSS per worker (MB) | CPU s per run (workers + git + agents) | CPU s per run (local GitHub) | CPU s per run (Redis) | cores busy | writes per run | peak writes to one installation in 60 s | load avg (start → end) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...results.map(
      (r) =>
        `| ${r.workers}${r.perProcessSpacing ? " (per-process spacing)" : ""} | ${fmt(r.wallMs / 1000, 1)} | ${fmt(r.runsPerMinute, 1)} | ${one ? fmt(r.runsPerMinute / one.runsPerMinute, 2) : "n/a"} | ` +
        `${fmt(r.waitP50 / 1000, 1)} | ${fmt(r.waitP99 / 1000, 1)} | ${r.stalled} | ${r.failed} | ${r.prs} | ${r.maxRssMb.map((m) => fmt(m)).join(", ")} | ` +
        `${fmt(r.cpuS / r.runs, 2)} | ${fmt(r.standInCpuS / r.runs, 2)} | ${fmt(r.redisCpuS / r.runs, 2)} | ${fmt(r.machineBusyPct)} % | ${fmt(r.writesPerRun, 1)} | ${r.peakWritesPerMin} | ${fmt(r.load[0], 1)} → ${fmt(r.load[1], 1)} |`,
    ),
  ];
}

export async function benchScale(o: ScaleOptions): Promise<string> {
  const cli = builtCli();
  const gh = await startLocalGitHub({ appId: 4242, privateKey: "generate" });
  const results: RoundResult[] = [];
  const bound: RoundResult[] = [];
  try {
    for (const w of o.workerCounts) {
      const r = await round(gh, cli, w, o);
      results.push(r);
      logRound(r);
    }
    if (o.boundRuns > 0 && !o.noWriteSpacing) {
      // The last: what 4 workers did to one installation before the limiter was shared.
      for (const [w, perProcessSpacing] of [
        [1, false],
        [4, false],
        [4, true],
      ] as const) {
        const r = await round(gh, cli, w, { ...o, runs: o.boundRuns, installations: 1, perProcessSpacing });
        bound.push(r);
        logRound(r);
      }
    }
    const problems = gh.problems();
    if (problems.length > 0) process.stderr.write(`scale: local GitHub problems: ${problems.join("; ")}\n`);
  } finally {
    await gh.close();
  }
  const plot = writePlot(
    o.noWriteSpacing ? "scale-out-no-write-spacing" : "scale-out",
    barChartSvg({
      title: `${o.runs} runs × 3 tasks on ${o.installations} installations, MAESTRO_CONCURRENCY=${o.concurrency} per worker`,
      yLabel: "runs per minute",
      categories: results.map((r) => `${r.workers} worker${r.workers > 1 ? "s" : ""}`),
      groups: [{ name: "runs/minute", values: results.map((r) => r.runsPerMinute) }],
    }),
  );
  const out = [
    `${o.runs} runs of a 3-task playbook (the issue's own checklist) spread round-robin over ${o.installations} installations ` +
      `(one repo each), a \`command\` agent that sleeps ${o.agentMs} ms per task then writes a file, ` +
      `MAESTRO_CONCURRENCY=${o.concurrency} per worker, each worker with its own data dir (mirror cache), one Redis, the local GitHub ` +
      "in the benchmark's process. Queue wait: from the queue's resume (all runs queued before) to the job's start. " +
      "Writes: REST POST/PATCH/PUT/DELETE as they reached the local GitHub." +
      (o.noWriteSpacing
        ? " **Prototype: the workers run without write spacing** (bench/lib/no-write-spacing.ts, shared spacing off too)."
        : " Write spacing shared by all workers through Redis (the default, `MAESTRO_SHARED_WRITE_LIMIT=1`)."),
    "",
    ...table(results),
    "",
    `![scale-out](${plot})`,
  ];
  if (bound.length > 0) {
    out.push(
      "",
      `One installation's bound: ${o.boundRuns} runs on a single installation (same playbook and agent), 1 and 4 workers with the ` +
        "shared write spacing, and 4 workers each spacing its own writes (`MAESTRO_SHARED_WRITE_LIMIT=0`, as before).",
      "",
      ...table(bound),
    );
  }
  return out.join("\n");
}
