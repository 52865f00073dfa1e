// Webhook intake with live run pages open (issue 14 §2): signed issue_comment.created deliveries per second into
// the real `maestro serve` (built dist/, real Redis, its worker), with 0 and with N (default 50) open event streams
// of the run page, side by side in alternating rounds on one serve. Throughout (both sides alike) a stand-in worker
// appends events to the watched run's stream at BENCH_VIEWER_EVENTS_PER_S (default 50: a busy agent), so with
// viewers serve's followers read and fan out every event to every stream while it takes webhooks.
// The viewers are plain HTTP clients in a child process (bench/lib/sse-viewers.ts), joining at the live edge.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { signRunPageUrl } from "../src/http/run-log-link.js";
import type { RunEvent } from "../src/runlog/events.js";
import { RedisRunLogStore } from "../src/runlog/redis-store.js";
import { deleteKeys, REDIS_URL } from "../test/helpers/redis.js";
import { issueCommentPayload } from "../test/helpers/webhook-payloads.js";
import { load, signedRequest, type LoadResult } from "./intake.js";
import { builtCli, cpuMsOf, ROOT, rsaPrivateKey, startNodeProcess, TSX_LOADER } from "./lib/processes.js";
import { fmt, median } from "./lib/stats.js";

// bench/intake.ts signs with this secret.
const SECRET = "bench-webhook-secret";
const SIGNING_KEY = "bench-run-page-signing-key";

export interface RunPageViewersOptions {
  rounds: number;
  durationS: number;
  connections: number;
  viewers: number;
  eventsPerS: number;
}

type Side = "none" | "viewers";
interface Round extends LoadResult {
  cpuPct: number;
  /** CPU of redis-server and of the viewers' process, % of a core (when /proc shows them). */
  redisCpuPct: number;
  viewersCpuPct: number;
  messages?: number;
  reconnects?: number;
}

export async function benchRunPageViewers(opts: RunPageViewersOptions): Promise<string> {
  const prefix = `{bench-viewers-${process.pid}-${randomBytes(3).toString("hex")}}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-viewers-"));
  const runId = `rbenchview${randomBytes(4).toString("hex")}`;
  const redis = new Redis(REDIS_URL);
  const store = new RedisRunLogStore(redis, prefix);
  const server = await startNodeProcess(
    [builtCli(), "serve", "--port", "0"],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APP_ID: "1",
      PRIVATE_KEY: rsaPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      REDIS_URL,
      MAESTRO_REDIS_PREFIX: prefix,
      MAESTRO_DATA_DIR: dataDir,
      MAESTRO_APP_SLUG: "maestro-bench",
      MAESTRO_LOG_SIGNING_KEY: SIGNING_KEY,
      LOG_LEVEL: "info",
      NODE_ENV: "production",
    },
    /serving on (http:\S+)/,
  );
  const req = signedRequest(
    issueCommentPayload({ body: "Thanks, this looks good to me!", sender: "octocat" }),
  );
  const page = new URL(signRunPageUrl({ publicUrl: server.url, runId, key: SIGNING_KEY }));
  const eventsUrl = `${server.url}${page.pathname}/events${page.search}`;

  // The stand-in worker: one event every 1000/eventsPerS ms, as a busy agent's messages and tool calls.
  let seq = 0;
  const ev = (e: Record<string, unknown>) =>
    ({ v: 1, ts: new Date().toISOString(), runId, seq: seq++, ...e }) as RunEvent;
  await store.append(runId, [
    ev({
      type: "run.started",
      playbook: "bench",
      repo: "o/r",
      baseRef: "main",
      branch: "maestro/bench",
      agent: "command",
      trigger: { kind: "cli", actor: "bench" },
      tasksTotal: 1,
    }),
    ev({ type: "task.started", index: 0, text: "Keep the viewers busy" }),
  ]);
  let appended = 0;
  const appender = setInterval(() => {
    const e =
      seq % 2 === 0
        ? ev({
            type: "agent.message",
            index: 0,
            role: "assistant",
            text: `Working on it: step ${seq}. ${"x".repeat(200)}`,
          })
        : ev({
            type: "agent.tool",
            index: 0,
            name: "Bash",
            input: JSON.stringify({ command: `npm test -- ${seq}` }),
          });
    void store.append(runId, [e]).then(() => appended++);
  }, 1000 / opts.eventsPerS);

  const results: Record<Side, Round[]> = { none: [], viewers: [] };
  const ratios: number[] = [];
  const measure = async (side: Side): Promise<Round> => {
    let viewers: ChildProcess | undefined;
    let stats: Promise<{ messages: number; reconnects: number }> | undefined;
    if (side === "viewers") {
      // Joining at the live edge (after the last stored event), as pages that have been open a while.
      const after = `1-${seq - 1}`;
      viewers = spawn(
        process.execPath,
        [
          "--import",
          TSX_LOADER,
          "bench/lib/sse-viewers.ts",
          `${eventsUrl}&after=${after}`,
          String(opts.viewers),
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      viewers.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`viewers not ready in 30 s: ${out}`)), 30_000);
        const check = () => {
          if (out.includes("ready")) {
            clearTimeout(timer);
            resolve();
          }
        };
        viewers!.stdout!.on("data", check);
      });
      stats = new Promise((resolve) =>
        viewers!.on("exit", () => resolve(JSON.parse(out.slice(out.indexOf("{"))) as never)),
      );
    }
    const redisPid = redisServerPid();
    const cpu0 = [cpuMsOf(server.child.pid), cpuMsOf(redisPid), cpuMsOf(viewers?.pid)];
    const t0 = Date.now();
    const r = await load(server.url, req, opts);
    const pct = (i: number, pid: number | undefined) => ((cpuMsOf(pid) - cpu0[i]!) / (Date.now() - t0)) * 100;
    const round: Round = {
      ...r,
      rssMb: server.rssBytes() / 2 ** 20,
      cpuPct: pct(0, server.child.pid),
      redisCpuPct: pct(1, redisPid),
      viewersCpuPct: pct(2, viewers?.pid),
    };
    if (viewers) {
      viewers.kill("SIGTERM");
      Object.assign(round, await stats);
    }
    return round;
  };

  try {
    await load(server.url, req, { durationS: 2, connections: opts.connections }); // JIT warm-up
    for (let round = 0; round < opts.rounds; round++) {
      const order: Side[] = round % 2 === 0 ? ["none", "viewers"] : ["viewers", "none"];
      const got: Partial<Record<Side, Round>> = {};
      for (const side of order) {
        got[side] = await measure(side);
        results[side].push(got[side]);
        process.stderr.write(
          `run-page viewers round ${round + 1} ${side}: ${fmt(got[side].rps)} req/s p50 ${got[side].p50} ms p99 ${got[side].p99} ms serve CPU ${fmt(got[side].cpuPct)} % redis ${fmt(got[side].redisCpuPct)} % viewers ${fmt(got[side].viewersCpuPct)} %` +
            (got[side].messages !== undefined ? ` viewers got ${got[side].messages} messages` : "") +
            "\n",
        );
      }
      ratios.push(got.viewers!.rps / got.none!.rps);
    }
  } finally {
    clearInterval(appender);
    await server.stop();
    await deleteKeys(redis, prefix);
    await redis.quit();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const row = (side: Side, name: string) => {
    const rs = results[side];
    const msgs = rs.map((r) => r.messages ?? 0);
    return `| ${name} | ${fmt(median(rs.map((r) => r.rps)))} | ${fmt(median(rs.map((r) => r.p50)), 1)} | ${fmt(median(rs.map((r) => r.p99)), 1)} | ${rs.reduce((s, r) => s + r.non2xx + r.errors, 0)} | ${fmt(median(rs.map((r) => r.cpuPct)))} / ${fmt(median(rs.map((r) => r.redisCpuPct)))} / ${fmt(median(rs.map((r) => r.viewersCpuPct)))} | ${fmt(median(rs.map((r) => r.rssMb)))} | ${side === "viewers" ? `${fmt(median(msgs) / opts.durationS)} (${rs.reduce((s, r) => s + (r.reconnects ?? 0), 0)} reconnects)` : "–"} |`;
  };
  const ratio = median(ratios);
  return [
    `${opts.rounds} rounds × ${opts.durationS} s per side on one \`maestro serve\` (dist, Redis, worker), order alternating, ${opts.connections} connections; ` +
      `a stand-in worker appends ${opts.eventsPerS} events/s to the watched run all along (${appended} in all); medians over rounds.`,
    "",
    "| side | deliveries/s | p50 (ms) | p99 (ms) | non-2xx + errors (all rounds) | CPU, % of a core: serve / Redis / viewers | RSS (MB) | SSE messages/s to the viewers |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    row("none", "no page open"),
    row("viewers", `${opts.viewers} event streams open on the running run`),
    "",
    `With ${opts.viewers} viewers / without, throughput per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}; median **${ratio.toFixed(2)}×**.`,
  ].join("\n");
}

/** The pid of the redis-server of REDIS_URL (its CPU is part of what viewers cost), when this user can see it. */
function redisServerPid(): number | undefined {
  const url = new URL(REDIS_URL);
  const addr = `${url.hostname}:${url.port || "6379"}`;
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.startsWith("redis-server") && cmd.includes(addr)) return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
}
