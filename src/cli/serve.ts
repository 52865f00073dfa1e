// `maestro serve`: the Probot webhook server on node:http, with /healthz, /readyz and /metrics beside it.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Probot, ProbotOctokit } from "probot";
import { loadEnvConfig } from "../config/env.js";
import { createWriteLimiter, withWriteLimiter } from "../github/write-limiter.js";
import { createOperatorView } from "../http/admin/operator-view.js";
import { createMetrics, type Metrics } from "../http/metrics.js";
import { createHttpRoutes } from "../http/router.js";
import { receiveVerifiedWebhook } from "../http/webhook-receiver.js";
import { checkWebhookSignature, deliveryLabel } from "../http/webhook-signature.js";
import { createBackground } from "../handlers/background.js";
import { createApp } from "../index.js";
import { createRedis } from "../queue/connection.js";
import { resolvePrefix } from "../queue/names.js";
import { RedisRunLogStore } from "../runlog/redis-store.js";
import { createRunQueue } from "../queue/run-queue.js";
import { secretsFromEnv } from "../security/redact.js";
import { createLogger, type Logger } from "../logging/logger.js";

export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

export interface StartServerOptions {
  env: NodeJS.ProcessEnv;
  /** Overrides PORT; 0 picks a free port. */
  port?: number;
  /** The process's logger (src/logging/logger.ts), also Probot's; default: one on stderr from LOG_LEVEL. */
  log?: Logger;
}

export interface RunningServer {
  url: string;
  metrics: Metrics;
  /** The logger it writes with (also Probot's): `maestro serve` hands it to its worker. */
  log: Logger;
  close(): Promise<void>;
}

export interface AppCredentials {
  appId: number;
  privateKey: string;
  webhookSecret: string;
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/** Probot's credentials from the environment; an Error that names every missing or bad variable. */
export function readAppCredentials(env: NodeJS.ProcessEnv): AppCredentials {
  const problems: string[] = [];
  const appIdText = value(env, "APP_ID");
  const webhookSecret = value(env, "WEBHOOK_SECRET");
  let privateKey: string | undefined;
  const inline = value(env, "PRIVATE_KEY");
  const path = value(env, "PRIVATE_KEY_PATH");
  if (appIdText === undefined)
    problems.push("APP_ID is not set (the numeric App ID from the GitHub App's settings page)");
  else if (!/^\d+$/.test(appIdText))
    problems.push(`APP_ID must be a number, got ${JSON.stringify(appIdText)}`);
  if (inline !== undefined) {
    privateKey = normalizeKey(inline);
    if (privateKey === undefined)
      problems.push(
        "PRIVATE_KEY is not a PEM private key (expected -----BEGIN ... PRIVATE KEY-----, or that text base64-encoded)",
      );
  } else if (path !== undefined) {
    try {
      privateKey = normalizeKey(readFileSync(path, "utf8"));
      if (privateKey === undefined) problems.push(`PRIVATE_KEY_PATH ${path} does not hold a PEM private key`);
    } catch (err) {
      problems.push(
        `PRIVATE_KEY_PATH ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
  } else {
    problems.push(
      "PRIVATE_KEY or PRIVATE_KEY_PATH is not set (the .pem key generated on the GitHub App's settings page)",
    );
  }
  if (webhookSecret === undefined)
    problems.push("WEBHOOK_SECRET is not set (the webhook secret entered on the GitHub App's settings page)");
  if (problems.length > 0) {
    // No app at all yet: say how to get one, not only what is missing.
    const hint = problems.some((p) => p.includes(" is not set"))
      ? "\nNo GitHub App yet? Run `maestro setup` in this directory: it registers the app on GitHub and writes .env, which maestro reads from the directory it starts in."
      : "";
    throw new Error(
      `Cannot start the Maestro server; missing or invalid GitHub App credentials:\n${problems.map((p) => `- ${p}`).join("\n")}${hint}`,
    );
  }
  return { appId: Number(appIdText), privateKey: privateKey!, webhookSecret: webhookSecret! };
}

function normalizeKey(text: string): string | undefined {
  let key = text.trim();
  if (!key.includes("-----BEGIN")) {
    const decoded = Buffer.from(key, "base64").toString("utf8");
    if (!decoded.includes("-----BEGIN")) return undefined;
    key = decoded.trim();
  }
  // Keys pasted into one-line env files carry literal "\n".
  key = key.replace(/\\n/g, "\n");
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key) ? `${key}\n` : undefined;
}

/** `${protocol}://${host}/api/v3` for GitHub Enterprise Server, undefined for github.com. */
export function githubApiBaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const cfg = loadEnvConfig(env);
  return cfg.gheHost ? `${cfg.gheProtocol}://${cfg.gheHost}/api/v3` : undefined;
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const { env } = opts;
  const creds = readAppCredentials(env);
  const cfg = loadEnvConfig(env);
  const baseUrl = cfg.gheHost ? `${cfg.gheProtocol}://${cfg.gheHost}/api/v3` : undefined;
  // pino with ISO time, LOG_LEVEL (a bad value stops start-up) and secrets redacted; Probot logs through it too.
  const log =
    opts.log ??
    createLogger({
      env,
      secrets: [creds.privateKey, creds.webhookSecret, ...(cfg.logSigningKey ? [cfg.logSigningKey] : [])],
    });
  const webhookPath = value(env, "WEBHOOK_PATH") ?? DEFAULT_WEBHOOK_PATH;
  const portText = value(env, "PORT");
  const port = opts.port ?? (portText !== undefined ? Number(portText) : 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number (0-65535), got ${JSON.stringify(portText)}`);
  const host = value(env, "HOST");
  const prefix = resolvePrefix(env);
  const appSlug = value(env, "MAESTRO_APP_SLUG");

  const redis = createRedis(cfg.redisUrl);
  // Errors surface through /readyz and the webhook responses; an unhandled 'error' event would crash.
  redis.on("error", () => undefined);
  const runLogStore = new RedisRunLogStore(redis, prefix, { ttlSeconds: cfg.runLogTtlDays * 24 * 3600 });
  const queue = createRunQueue(redis, prefix);
  queue.on("error", () => undefined);
  const background = createBackground();
  const metrics = createMetrics({ queue, feedback: background });

  // GitHub write spacing shared with the workers (MAESTRO_SHARED_WRITE_LIMIT), on serve's own Redis client.
  const writeLimiter = cfg.sharedWriteLimit
    ? createWriteLimiter({ redis, prefix, log: { warn: (o, m) => probot.log.warn(o, m) } })
    : undefined;
  const probot: Probot = new Probot({
    appId: creds.appId,
    privateKey: creds.privateKey,
    secret: creds.webhookSecret,
    log,
    ...(baseUrl ? { baseUrl } : {}),
    ...(writeLimiter ? { Octokit: withWriteLimiter(ProbotOctokit, writeLimiter) } : {}),
  });
  const app = createApp({
    store: { redis, prefix },
    queue,
    metrics,
    background,
    ...(appSlug ? { appSlug } : {}),
  });
  await probot.load(app);
  const webhookPathname = withoutTrailingSlashes(webhookPath);
  const routes = createHttpRoutes({
    redis,
    metrics,
    runLogs: {
      dataDir: cfg.dataDir,
      // Run logs from Redis, whichever worker wrote them (issue 14): serve needs no disk shared with the workers.
      store: runLogStore,
      ...(cfg.logSigningKey ? { signingKey: cfg.logSigningKey } : {}),
    },
    // /maestro/admin: bull-board and the day's costs, behind MAESTRO_ADMIN_TOKEN (off without it).
    admin: createOperatorView({
      ...(cfg.adminToken ? { token: cfg.adminToken } : {}),
      readOnly: cfg.adminReadOnly,
      ...(cfg.publicUrl ? { publicUrl: cfg.publicUrl } : {}),
      queue,
      store: { redis, prefix },
      secrets: [creds.webhookSecret, creds.privateKey, ...secretsFromEnv(env)],
      log: probot.log,
    }),
  });

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        if (await routes(req, res)) return;
        if (withoutTrailingSlashes((req.url ?? "").split("?")[0]!) === webhookPathname) {
          if (req.method !== "POST") {
            res
              .writeHead(405, { "content-type": "application/json; charset=utf-8", allow: "POST" })
              .end(JSON.stringify({ error: `${req.method} ${webhookPath}: webhooks are POSTed` }));
            return;
          }
          if (await checkWebhookSignature(req, res, creds.webhookSecret)) return;
          const body = (req as { body?: string }).body ?? "";
          metrics.webhookReceived(deliveryLabel(req, body));
          // Verified once, above: the handlers get the delivery without Probot's middleware checking it again.
          await receiveVerifiedWebhook(
            { receive: (e) => probot.receive(e as never), log: probot.log },
            req,
            res,
            body,
          );
          return;
        }
        res
          .writeHead(404, { "content-type": "application/json; charset=utf-8" })
          .end(JSON.stringify({ error: "Not found" }));
      } catch (err) {
        probot.log.error(err as Error);
        if (!res.headersSent) res.writeHead(500).end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  probot.log.info(`Maestro listening on http://${shownHost}:${addr.port} (webhooks at ${webhookPath})`);
  if (cfg.adminToken)
    probot.log.info(
      `Operator view at /maestro/admin/ (${cfg.adminReadOnly ? "read-only" : "read-write: MAESTRO_ADMIN_READONLY=0"})`,
    );

  let closed = false;
  return {
    url: `http://${host && host !== "0.0.0.0" && host !== "::" ? shownHost : "127.0.0.1"}:${addr.port}`,
    metrics,
    log,
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections would hold close() open.
      server.closeAllConnections();
      await stopped;
      // Feedback still being posted for answered deliveries (reactions, status comments, replies).
      await Promise.race([background.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await queue.close().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function withoutTrailingSlashes(p: string): string {
  return p.replace(/\/+$/, "") || "/";
}
