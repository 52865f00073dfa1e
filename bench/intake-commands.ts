// Webhook intake of `/maestro run` commands: signed issue_comment.created deliveries whose comments are
// commands, into the real `maestro serve` (built dist/, real Redis), whose GitHub calls (repo config,
// permission, reaction, status comment) are answered by the local GitHub (test/support/local-github),
// side by side with the bare Probot app (bench/bare-probot.ts) on the same deliveries.
// The run queue is paused, so serve's own worker starts nothing: only the webhook path is measured.
// GitHub drops a delivery that is not answered in 10 s: autocannon's timeout is set to 10 s.
import autocannon from "autocannon";
import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { createRunQueue } from "../src/queue/run-queue.js";
import { startLocalGitHub } from "../test/support/local-github/index.js";
import { deleteKeys, REDIS_URL } from "../test/helpers/redis.js";
import { builtCli, cpuMsOf, startNodeProcess, TSX_LOADER, type ServerProcess } from "./lib/processes.js";
import { fmt } from "./lib/stats.js";

const WEBHOOK_PATH = "/api/github/webhooks";
const OWNER = "octo-org";

export interface IntakeCommandsOptions {
  durationS: number;
  connections: number;
  /** Distinct issues (each with its own /maestro run comment) the deliveries cycle through. */
  issues: number;
  /** Profile `maestro serve` with --cpu-prof into this directory. */
  cpuProfDir?: string;
}

interface Row {
  name: string;
  sent: number;
  ok: number;
  /** 202 "still processing": @octokit/webhooks answers so after 9 s when the handlers are not done. */
  stillProcessing: number;
  timeouts: number;
  rps: number;
  /** Maestro only: runs in the queue when the load stopped, and feedback still to post then. */
  queued?: number;
  feedbackPending?: number;
  /** The server's own CPU time per answered delivery, ms. */
  cpuMsPerDelivery: number;
  p50: number;
  p99: number;
  max: number;
}

async function fire(url: string, bodies: string[], secret: string, o: IntakeCommandsOptions) {
  const sigs = bodies.map((b) => `sha256=${createHmac("sha256", secret).update(b).digest("hex")}`);
  const tag = randomBytes(4).toString("hex");
  let n = 0;
  return autocannon({
    url: `${url}${WEBHOOK_PATH}`,
    connections: o.connections,
    duration: o.durationS,
    timeout: 10,
    requests: [
      {
        method: "POST",
        path: WEBHOOK_PATH,
        setupRequest: (r: autocannon.Request) => {
          const i = n++ % bodies.length;
          return {
            ...r,
            body: bodies[i]!,
            headers: {
              "content-type": "application/json",
              "user-agent": "GitHub-Hookshot/bench",
              "x-github-event": "issue_comment",
              "x-github-delivery": `bench-${tag}-${n}`,
              "x-hub-signature-256": sigs[i]!,
            },
          };
        },
      },
    ],
  });
}

export async function benchIntakeCommands(o: IntakeCommandsOptions): Promise<string> {
  const cli = builtCli();
  const gh = await startLocalGitHub({ appId: 4343, privateKey: "generate" });
  const prefix = `{bench-intake-cmd-${process.pid}-${randomBytes(3).toString("hex")}}`;
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-bench-intake-cmd-")));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createRunQueue(redis, prefix);
  const rows: Row[] = [];
  let writes = 0;
  let servers: ServerProcess[] = [];
  try {
    await gh.createRepo({
      owner: OWNER,
      name: "intake",
      files: {
        "README.md": "# intake\n",
        ".github/maestro.yml": 'agent: command\nagentCommand: "true"\nlimits:\n  maxConcurrentRuns: 1000\n',
      },
    });
    const repo = `${OWNER}/intake`;
    gh.addCollaborator(repo, "alice", "write");
    const bodies: string[] = [];
    for (let i = 0; i < o.issues; i++) {
      const issue = gh.createIssue(repo, { title: `Intake ${i}`, body: "- [ ] One task\n", user: "alice" });
      const { comment } = await gh.postComment(repo, issue.number, "/maestro run", {
        user: "alice",
        send: false,
      });
      bodies.push(JSON.stringify(gh.payloads.issueCommentCreated(repo, comment.id)));
    }
    await queue.pause();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: tmp,
      LANG: "C.UTF-8",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      REDIS_URL,
      MAESTRO_REDIS_PREFIX: prefix,
      MAESTRO_DATA_DIR: tmp,
      ...gh.env(),
    };
    const targets: Array<[string, string[]]> = [
      ["bare Probot (no-op handler)", ["--import", TSX_LOADER, "bench/bare-probot.ts"]],
      [
        "`maestro serve`",
        [
          ...(o.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`] : []),
          cli,
          "serve",
          "--port",
          "0",
        ],
      ],
      [
        "`maestro serve`, write spacing removed (prototype)",
        ["--import", TSX_LOADER, "--import", "./bench/lib/no-write-spacing.ts", cli, "serve", "--port", "0"],
      ],
    ];
    for (const [name, args] of targets) {
      const server = await startNodeProcess(args, env, /serving on (http:\S+)/);
      servers.push(server);
      // Warm-up, not counted: the first requests make the local GitHub load GitHub's OpenAPI description
      // (seconds on a busy machine), which would otherwise land on whichever server comes first.
      await fire(server.url, bodies, gh.webhookSecret, { ...o, durationS: 3 });
      const writesBefore = gh.requests().filter((r) => r.method !== "GET").length;
      const countQueued = async () => {
        const c = await queue.getJobCounts("paused", "waiting");
        return (c.paused ?? 0) + (c.waiting ?? 0);
      };
      const queuedBefore = await countQueued();
      const cpuBefore = cpuMsOf(server.child.pid);
      const r = await fire(server.url, bodies, gh.webhookSecret, o);
      const cpuMs = cpuMsOf(server.child.pid) - cpuBefore;
      let queued: number | undefined;
      let feedbackPending: number | undefined;
      if (name !== targets[0]![0]) {
        queued = (await countQueued()) - queuedBefore;
        const metrics = await fetch(`${server.url}/metrics`).then((x) => x.text());
        feedbackPending = Number(/^maestro_feedback_pending (\d+)$/m.exec(metrics)?.[1] ?? NaN);
      }
      await server.stop();
      servers = [];
      if (process.env.BENCH_TRACE === "1" && name === "`maestro serve`") {
        process.stderr.write(`${gh.calls().join("\n")}\n${server.output().slice(-3000)}\n`);
        for (const c of gh
          .issueComments(repo)
          .filter((x) => x.user !== "alice")
          .slice(0, 4))
          process.stderr.write(`comment: ${JSON.stringify(c).slice(0, 400)}\n`);
      }
      if (name === "`maestro serve`")
        writes = gh.requests().filter((x) => x.method !== "GET").length - writesBefore;
      rows.push({
        name,
        sent: r.totalRequests,
        ok: r["2xx"],
        stillProcessing: r.statusCodeStats["202"]?.count ?? 0,
        timeouts: r.timeouts,
        rps: r.requests.average,
        ...(queued !== undefined ? { queued } : {}),
        ...(feedbackPending !== undefined ? { feedbackPending } : {}),
        cpuMsPerDelivery: cpuMs / Math.max(1, r["2xx"]),
        p50: r.latency.p50,
        p99: r.latency.p99,
        max: r.latency.max,
      });
      process.stderr.write(`intake-commands ${name}: ${JSON.stringify(rows.at(-1))}\n`);
    }
  } finally {
    for (const s of servers) await s.stop();
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
    await gh.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const maestro = rows[1]!;
  const proto = rows[2]!;
  return [
    `${o.durationS} s of \`/maestro run\` comments (${o.issues} issues, each with its own comment, cycled; a new delivery id each time), ` +
      `${o.connections} connections, autocannon timeout 10 s (GitHub's own). The local GitHub runs in the benchmark's process.`,
    "",
    "| server | answered 2xx | of which 202 at 9 s | timeouts (> 10 s) | deliveries/s | runs queued | feedback still to post at the end | server CPU per delivery (ms) | p50 (ms) | p99 (ms) | max (ms) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.ok} | ${r.stillProcessing} | ${r.timeouts} | ${fmt(r.rps, 1)} | ${r.queued ?? "—"} | ${r.feedbackPending ?? "—"} | ${fmt(r.cpuMsPerDelivery, 1)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} |`,
    ),
    "",
    `While the load ran, Maestro made ${writes} write calls to GitHub (POST/PATCH) for ${maestro.ok} answered deliveries ` +
      `(its writes are spaced per installation, after the answer). Without the write spacing (prototype, bench/lib/no-write-spacing.ts): ` +
      `${fmt(proto.rps / Math.max(maestro.rps, 1e-9), 1)}× the deliveries per second.`,
  ].join("\n");
}
