/**
 * The world of an end-to-end test: a local GitHub (test/support/local-github), real Redis under a
 * unique prefix, and the real `maestro serve` (webhook server + worker) as a child process pointed at
 * the local GitHub only through its environment (GHE_HOST/GHE_PROTOCOL). Agents are `command` agents
 * (test/fixtures/agents/e2e-agent.mjs) configured in each repo's .github/maestro.yml.
 *
 * ```ts
 * const world = await startE2EWorld();
 * const repo = await world.makeRepo("flows", { playbooks: { docs: "# Docs\n\n- [ ] Write `a.md`\n" } });
 * const issue = world.gh.createIssue(repo, { title: "Docs", user: "alice" });
 * const { runId } = await world.comment(repo, issue.number, "/maestro run docs");
 * const job = await world.waitForJob(runId);      // completed | failed, from BullMQ in Redis
 * world.runLog(runId);                             // the run's JSONL events from MAESTRO_DATA_DIR
 * await world.close();                             // stops serve, deletes this prefix's keys
 * ```
 * `E2E_TRACE=1` prints every request the local GitHub got when the world closes.
 * Drills can spawn more processes against the same Redis/GitHub with `spawnMaestro("worker", world.env())`,
 * stop serve with `world.serve.stop("SIGKILL")` and start another with `world.restartServe()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { runIdForDelivery } from "../../src/queue/job-schema.js";
import type { RunQueue } from "../../src/queue/enqueue.js";
import { createRunQueue } from "../../src/queue/run-queue.js";
import { listIssueRuns, type RunRecord } from "../../src/queue/runs-index.js";
import { deleteKeys, REDIS_URL } from "../helpers/redis.js";
import {
  startLocalGitHub,
  type Delivery,
  type LocalGitHub,
  type LocalGitHubOptions,
  type Role,
} from "./local-github/index.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "src/cli/bin.ts");
const TSX = path.join(ROOT, "node_modules/tsx/dist/loader.mjs");
export const E2E_AGENT = path.join(ROOT, "test/fixtures/agents/e2e-agent.mjs");
export const OWNER = "octo-org";

export interface MaestroProcess {
  child: ChildProcess;
  pid: number;
  /** serve: http://127.0.0.1:PORT; worker: "" */
  url: string;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  /** Sends the signal and waits for the exit (SIGKILL after 20 s). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Spawns `maestro serve --port <port, default 0>` or `maestro worker` from the sources (tsx), with exactly `env`. */
export async function spawnMaestro(
  kind: "serve" | "worker",
  env: Record<string, string>,
  /** cwd: where it starts (default the repo root); `maestro setup`'s .env is read from there. */
  opts: { port?: number; cwd?: string } = {},
): Promise<MaestroProcess> {
  const args = ["--import", TSX, BIN, kind, ...(kind === "serve" ? ["--port", String(opts.port ?? 0)] : [])];
  const child = spawn(process.execPath, args, {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    cwd: opts.cwd ?? ROOT,
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const ready = kind === "serve" ? /serving on (http:\/\/\S+)/ : /maestro worker: processing runs/;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`maestro ${kind} did not start in 30 s:\n${out}`)),
      30_000,
    );
    const check = () => {
      const m = ready.exec(out);
      // serve prints its URL, then starts the worker: wait for both.
      if (m && (kind === "worker" || /maestro worker: processing runs/.test(out))) {
        clearTimeout(timer);
        resolve(kind === "serve" ? m[1]! : "");
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`maestro ${kind} exited (${code}) before it was ready:\n${out}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    url,
    output: () => out,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface E2EWorldOptions {
  github?: LocalGitHubOptions;
  /** Extra variables for maestro serve (e.g. MAESTRO_CONCURRENCY). */
  env?: Record<string, string>;
  /** Serve on a port chosen before it starts, named by MAESTRO_PUBLIC_URL, with MAESTRO_LOG_SIGNING_KEY set
   * (E2E_SIGNING_KEY): status comments and PRs then carry signed links to the run log and the live run page. */
  publicUrl?: boolean;
}

export interface MakeRepoOptions {
  /** name → Markdown, stored as .github/maestro/playbooks/<name>.md */
  playbooks?: Record<string, string>;
  /** The whole .github/maestro.yml; default: the e2e agent, generous limits. */
  config?: string;
  /** YAML appended to the default config. */
  extraConfig?: string;
  files?: Record<string, string>;
  /** login → permission; default alice: write. */
  collaborators?: Record<string, Role>;
}

export interface E2EWorld {
  gh: LocalGitHub;
  serve: MaestroProcess;
  dataDir: string;
  /** MAESTRO_REDIS_PREFIX (hash-tagged). */
  prefix: string;
  redis: Redis;
  queue: RunQueue;
  /** The environment serve runs with (for more workers). */
  env(): Record<string, string>;
  /** The default .github/maestro.yml: the e2e agent through `node`. */
  defaultConfig(extra?: string): string;
  /** A repo under OWNER with the config, playbooks and collaborators; returns "owner/name". */
  makeRepo(name: string, opts?: MakeRepoOptions): Promise<string>;
  /** Posts a comment (stored, then delivered); runId is the run a command in it would get. */
  comment(
    repo: string,
    number: number,
    body: string,
    opts?: { user?: string; deliveryId?: string },
  ): Promise<{ commentId: number; delivery: Delivery; runId: string }>;
  /** Adds a label as the user and delivers issues.labeled. */
  label(
    repo: string,
    number: number,
    label: string,
    opts?: { user?: string; deliveryId?: string },
  ): Promise<{ delivery: Delivery; runId: string }>;
  /** Waits until the BullMQ job of the run has settled; its final state and return value. */
  waitForJob(
    runId: string,
    timeoutMs?: number,
  ): Promise<{ state: string; result: unknown; failedReason?: string }>;
  /** Polls until fn returns a truthy value (or throws on timeout, with serve's output and the problems). */
  waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs?: number): Promise<NonNullable<T>>;
  /** The run's JSONL run log, parsed ([] when there is none). */
  runLog(runId: string): Record<string, unknown>[];
  runsOf(repo: string, number: number): Promise<RunRecord[]>;
  /** Jobs of this world's queue in any state. */
  jobCount(): Promise<number>;
  /** Every request the local GitHub got, one line each (ms since the first, status, route), for debugging. */
  trace(): string;
  /** Starts a new serve process (after serve.stop()), same env; world.serve and the webhook URL follow. */
  restartServe(): Promise<MaestroProcess>;
  close(): Promise<void>;
}

/** MAESTRO_LOG_SIGNING_KEY of a world started with publicUrl. */
export const E2E_SIGNING_KEY = "e2e-world-run-log-signing-key";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startE2EWorld(opts: E2EWorldOptions = {}): Promise<E2EWorld> {
  const gh = await startLocalGitHub({ appId: 31337, ...opts.github });
  const port = opts.publicUrl ? await freePort() : 0;
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-e2e-")));
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  const prefix = `{mtest-e2e-${process.pid}-${randomBytes(4).toString("hex")}}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: tmp,
    LANG: "C.UTF-8",
    LOG_LEVEL: "warn",
    REDIS_URL,
    MAESTRO_REDIS_PREFIX: prefix,
    MAESTRO_DATA_DIR: dataDir,
    // git run by Maestro must not read the machine's or user's config.
    GIT_CONFIG_NOSYSTEM: "1",
    // The repos' .github/maestro.yml name the test agents (test/fixtures/agents) as agentCommand: this
    // operator allows that, and lets the sandbox read them.
    MAESTRO_REPO_AGENT_COMMAND: "allow",
    MAESTRO_SANDBOX_READ_PATHS: path.join(ROOT, "test/fixtures/agents"),
    ...gh.env(),
    ...(opts.publicUrl
      ? { MAESTRO_PUBLIC_URL: `http://127.0.0.1:${port}`, MAESTRO_LOG_SIGNING_KEY: E2E_SIGNING_KEY }
      : {}),
    ...opts.env,
  };
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createRunQueue(redis, prefix);
  let serve: MaestroProcess;
  try {
    serve = await spawnMaestro("serve", env, { port });
  } catch (err) {
    await gh.close();
    await queue.close();
    redis.disconnect();
    throw err;
  }
  gh.setWebhookUrl(`${serve.url}/api/github/webhooks`);

  const defaultConfig = (extra = "") =>
    [
      "agent: command",
      `agentCommand: ${JSON.stringify(`node ${E2E_AGENT}`)}`,
      "limits:",
      "  maxConcurrentRuns: 10",
      "  taskTimeoutMinutes: 2",
      extra,
    ].join("\n") + "\n";

  // Serve answers a delivery before its reactions and comments are posted: wait for those, so a
  // scenario reads GitHub as the user would see it a moment later.
  const feedbackPosted = async (): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const text = await fetch(`${serve.url}/metrics`).then(
        (r) => r.text(),
        () => null,
      );
      if (text === null || /^maestro_feedback_pending 0$/m.test(text)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("serve's feedback (reactions, comments) was still being posted after 30 s");
  };

  const world: E2EWorld = {
    gh,
    get serve() {
      return serve;
    },
    dataDir,
    prefix,
    redis,
    queue,
    env: () => ({ ...env }),
    defaultConfig,
    async makeRepo(name, o = {}) {
      const files: Record<string, string> = {
        "README.md": `# ${name}\n`,
        ".github/maestro.yml": o.config ?? defaultConfig(o.extraConfig),
        ...o.files,
      };
      for (const [n, text] of Object.entries(o.playbooks ?? {}))
        files[`.github/maestro/playbooks/${n}.md`] = text;
      await gh.createRepo({ owner: OWNER, name, files });
      const full = `${OWNER}/${name}`;
      const collaborators: Record<string, Role> = o.collaborators ?? { alice: "write" };
      for (const [login, role] of Object.entries(collaborators)) gh.addCollaborator(full, login, role);
      return full;
    },
    async comment(repo, number, body, o = {}) {
      const deliveryId = o.deliveryId ?? randomUUID();
      const { comment, delivery } = await gh.postComment(repo, number, body, {
        user: o.user ?? "alice",
        deliveryId,
      });
      await feedbackPosted();
      return { commentId: comment.id, delivery: delivery!, runId: runIdForDelivery(deliveryId) };
    },
    async label(repo, number, label, o = {}) {
      const deliveryId = o.deliveryId ?? randomUUID();
      const { delivery } = await gh.addLabel(repo, number, label, { user: o.user ?? "alice", deliveryId });
      await feedbackPosted();
      return { delivery: delivery!, runId: runIdForDelivery(deliveryId) };
    },
    async waitForJob(runId, timeoutMs = 90_000) {
      return world.waitFor(
        `job ${runId} to settle`,
        async () => {
          const job = await queue.getJob(runId);
          if (!job) return null;
          const state = await job.getState();
          if (state !== "completed" && state !== "failed") return null;
          // Read again: the copy above may predate the move to completed (no return value yet).
          const settled = (await queue.getJob(runId)) ?? job;
          return {
            state,
            result: settled.returnvalue as unknown,
            ...(settled.failedReason ? { failedReason: settled.failedReason } : {}),
          };
        },
        timeoutMs,
      );
    },
    async waitFor(what, fn, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await fn();
        if (v) return v as NonNullable<typeof v>;
        if (Date.now() > deadline) {
          throw new Error(
            `Timed out waiting for ${what}.\nLocal GitHub problems: ${JSON.stringify(gh.problems(), null, 2)}\n` +
              `maestro serve output (tail):\n${serve.output().slice(-4000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    runLog(runId) {
      const file = path.join(dataDir, "runs", `${runId}.jsonl`);
      if (!fs.existsSync(file)) return [];
      return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    runsOf(repo, number) {
      const [owner, name] = repo.split("/") as [string, string];
      return listIssueRuns({ redis, prefix }, { owner, name }, number);
    },
    async jobCount() {
      const counts = await queue.getJobCounts();
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    trace() {
      const all = gh.requests();
      const t0 = all[0]?.at ?? 0;
      return all
        .map(
          (r) =>
            `${String(r.at - t0).padStart(6)} ${r.status} ${r.auth.padEnd(14)} ${r.route ?? `${r.method} ${r.path}`}${r.fault ? ` [${r.fault}]` : ""}`,
        )
        .join("\n");
    },
    async restartServe() {
      serve = await spawnMaestro("serve", env, { port });
      gh.setWebhookUrl(`${serve.url}/api/github/webhooks`);
      return serve;
    },
    async close() {
      // E2E_TRACE=1 prints the GitHub traffic of the world (what Maestro asked, in order).
      if (process.env.E2E_TRACE) process.stdout.write(`local GitHub requests:\n${world.trace()}\n`);
      await serve.stop("SIGTERM").catch(() => undefined);
      await queue.close().catch(() => undefined);
      await deleteKeys(redis, prefix).catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
      await gh.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return world;
}
