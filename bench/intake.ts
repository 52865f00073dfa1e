// Webhook intake: signed issue_comment.created deliveries per second and latency p50/p99 into the real
// `maestro serve` (built dist/, real Redis), side by side with a bare Probot app that does nothing
// (bench/bare-probot.ts), same machine, same load generator (autocannon), alternating in one run.
// Target (TARGETS.md): ≥ 0.8× the bare app's throughput, p99 < 50 ms.
import autocannon from "autocannon";
import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { deleteKeys, REDIS_URL } from "../test/helpers/redis.js";
import { issueCommentPayload } from "../test/helpers/webhook-payloads.js";
import {
  builtCli,
  rsaPrivateKey,
  startNodeProcess,
  TSX_LOADER,
  type ServerProcess,
} from "./lib/processes.js";
import { summarizeCpuProfile } from "./lib/cpu-profile.js";
import { fmt, median } from "./lib/stats.js";
import { barChartSvg, writePlot } from "./lib/svg.js";

const WEBHOOK_PATH = "/api/github/webhooks";
const SECRET = "bench-webhook-secret";

export interface IntakeOptions {
  rounds: number;
  durationS: number;
  connections: number;
  /** Profile Maestro's server with --cpu-prof into this directory. */
  cpuProfDir?: string;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  rssMb: number;
}

type Target = "bare" | "bare-onany" | "maestro";
const TARGETS: Target[] = ["bare", "bare-onany", "maestro"];

/** Signs once: the body is the same for every request; only X-GitHub-Delivery (unsigned) changes. */
export function signedRequest(payload: object): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const sig = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-hub-signature-256": sig,
      "user-agent": "GitHub-Hookshot/bench",
    },
  };
}

export async function load(
  url: string,
  req: { body: string; headers: Record<string, string> },
  opts: { durationS: number; connections: number; overallRate?: number },
): Promise<Omit<LoadResult, "rssMb">> {
  const tag = randomBytes(4).toString("hex");
  let n = 0;
  const result = await autocannon({
    url: `${url}${WEBHOOK_PATH}`,
    connections: opts.connections,
    duration: opts.durationS,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        method: "POST",
        path: WEBHOOK_PATH,
        headers: req.headers,
        body: req.body,
        // A unique delivery id per request, as GitHub sends.
        setupRequest: (r: autocannon.Request) => ({
          ...r,
          headers: { ...r.headers, "x-github-delivery": `bench-${tag}-${++n}` },
        }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

interface Env {
  /** dist/cli/bin.js, built once per benchmark (others may be editing src/ meanwhile). */
  cli: string;
  prefix: string;
  dataDir: string;
  privateKey: string;
}

async function startTarget(target: Target, e: Env, cpuProfDir?: string): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_ID: "1",
    PRIVATE_KEY: e.privateKey,
    WEBHOOK_SECRET: SECRET,
    REDIS_URL,
    MAESTRO_REDIS_PREFIX: e.prefix,
    MAESTRO_DATA_DIR: e.dataDir,
    MAESTRO_APP_SLUG: "maestro-bench",
    LOG_LEVEL: "info",
    NODE_ENV: "production",
  };
  if (target !== "maestro") {
    return startNodeProcess(
      ["--import", TSX_LOADER, "bench/bare-probot.ts"],
      { ...env, BARE_ON_ANY: target === "bare-onany" ? "1" : "0" },
      /serving on (http:\S+)/,
    );
  }
  const prof = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : [];
  // BENCH_SERVE_NODE_OPTIONS: node flags for Maestro's serve only (the bare app runs without them).
  const nodeOptions = process.env.BENCH_SERVE_NODE_OPTIONS;
  return startNodeProcess(
    [...prof, e.cli, "serve", "--port", "0"],
    { ...env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    /serving on (http:\S+)/,
  );
}

export async function benchIntake(opts: IntakeOptions): Promise<string> {
  const e: Env = {
    cli: builtCli(),
    prefix: `{bench-intake-${process.pid}-${randomBytes(3).toString("hex")}}`,
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-intake-")),
    privateKey: rsaPrivateKey(),
  };
  const req = signedRequest(
    issueCommentPayload({ body: "Thanks, this looks good to me!", sender: "octocat" }),
  );
  const results: Record<Target, LoadResult[]> = { bare: [], "bare-onany": [], maestro: [] };
  const ratios: number[] = [];
  const onAnyRatios: number[] = [];
  // All servers stay up for the whole benchmark and take turns under load in short slices, so a
  // burst of load from elsewhere on this shared machine hits every side alike.
  const servers = new Map<Target, ServerProcess>();
  try {
    for (const t of TARGETS) {
      const server = await startTarget(t, e, opts.cpuProfDir);
      servers.set(t, server);
      await load(server.url, req, { durationS: 2, connections: opts.connections }); // JIT warm-up
    }
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate the order so neither side always runs on a warmer (or hotter) machine.
      const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      const got: Partial<Record<Target, LoadResult>> = {};
      for (const t of order) {
        const server = servers.get(t)!;
        got[t] = { ...(await load(server.url, req, opts)), rssMb: server.rssBytes() / 2 ** 20 };
        results[t].push(got[t]);
        process.stderr.write(
          `intake round ${round + 1} ${t}: ${fmt(got[t].rps)} req/s p50 ${got[t].p50} ms p99 ${got[t].p99} ms non2xx ${got[t].non2xx} errors ${got[t].errors}\n`,
        );
      }
      ratios.push(got.maestro!.rps / got.bare!.rps);
      onAnyRatios.push(got["bare-onany"]!.rps / got.bare!.rps);
    }
  } finally {
    for (const server of servers.values()) await server.stop();
    const redis = new Redis(REDIS_URL);
    await deleteKeys(redis, e.prefix);
    await redis.quit();
    fs.rmSync(e.dataDir, { recursive: true, force: true });
  }
  const row = (t: Target, name: string) => {
    const rs = results[t];
    return `| ${name} | ${fmt(median(rs.map((r) => r.rps)))} | ${fmt(median(rs.map((r) => r.p50)), 1)} | ${fmt(median(rs.map((r) => r.p99)), 1)} | ${rs.reduce((s, r) => s + r.non2xx + r.errors, 0)} | ${fmt(median(rs.map((r) => r.rssMb)))} |`;
  };
  const ratio = median(ratios);
  const p99 = median(results.maestro.map((r) => r.p99));
  const plot = writePlot(
    "intake-comments",
    barChartSvg({
      title: `Webhook intake, non-command comments (${opts.connections} connections)`,
      yLabel: "deliveries per second (median)",
      categories: results.bare.map((_, i) => `round ${i + 1}`),
      groups: [
        { name: "bare Probot", values: results.bare.map((r) => r.rps) },
        { name: "bare + onAny", values: results["bare-onany"].map((r) => r.rps) },
        { name: "maestro serve", values: results.maestro.map((r) => r.rps) },
      ],
    }),
  );
  const profile: string[] = [];
  if (opts.cpuProfDir) {
    // Only the Maestro server is profiled; the newest profile is this run's.
    const files = fs
      .readdirSync(opts.cpuProfDir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => path.join(opts.cpuProfDir!, f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    if (files[0]) {
      const s = summarizeCpuProfile(files[0]);
      profile.push(
        "",
        `CPU profile of \`maestro serve\` (${files[0]}), self time, % of its busy (non-idle) time:`,
        "",
        "| package | ms | % |",
        "| --- | ---: | ---: |",
        ...s.byPackage,
        "",
        "| function | ms | % |",
        "| --- | ---: | ---: |",
        ...s.byFunction,
      );
    }
  }
  return [
    `${opts.rounds} rounds × ${opts.durationS} s per server (all three up for the whole run, taking turns under load, order alternating; a 2 s warm-up each first), ${opts.connections} connections; medians over rounds.`,
    "",
    "| server | deliveries/s | p50 (ms) | p99 (ms) | non-2xx + errors (all rounds) | RSS under load (MB) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    row("bare", "bare Probot (no-op handler)"),
    row("bare-onany", "bare Probot + a no-op `onAny` listener"),
    row("maestro", "`maestro serve` (dist, Redis, worker)"),
    "",
    `Maestro / bare throughput, per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}; median **${ratio.toFixed(2)}×** (target ≥ 0.8×: ${ratio >= 0.8 ? "met" : "**not met**"}). ` +
      `Maestro p99 ${fmt(p99, 1)} ms (target < 50 ms: ${p99 < 50 ? "met" : "**not met**"}).`,
    `A bare Probot app with one more no-op \`onAny\` listener runs at **${median(onAnyRatios).toFixed(2)}×** the bare app (per round: ${onAnyRatios.map((r) => r.toFixed(2)).join(", ")}).`,
    "",
    `![intake](${plot})`,
    ...profile,
  ].join("\n");
}
