// `maestro worker`: a queue worker only (scale out by running more of these against one Redis).
import { agentPolicyFromEnv } from "../config/agent-policy.js";
import { loadEnvConfig } from "../config/env.js";
import { resolveSandbox, type ResolvedSandbox } from "../sandbox/setup.js";
import { openWriteLimiter } from "../github/write-limiter.js";
import { signRunLogUrl, signRunPageUrl } from "../http/run-log-link.js";
import { botIdentity, createAppAuth, lookupBotIdentity } from "../workers/installation.js";
import { startWorker, type RunningWorker } from "../workers/worker.js";
import { createLogger, type Logger } from "../logging/logger.js";
import { startMemorySampler, type MemorySampler } from "./memory-sampler.js";
import { githubApiBaseUrl, readAppCredentials } from "./serve.js";

export interface WorkerCommandOptions {
  /** Resolves the command (closes the worker) when aborted; default: SIGTERM/SIGINT. */
  signal?: AbortSignal;
  stderr?: NodeJS.WritableStream;
  /** Called once the worker runs (tests). */
  onStarted?: (w: RunningWorker) => void;
  /** The process's logger (serve passes its own); default: one on stderr (src/logging/logger.ts). */
  log?: Logger;
}

/** Runs until SIGTERM/SIGINT (or opts.signal); returns the exit code. */
export async function runWorkerCommand(
  env: NodeJS.ProcessEnv,
  opts: WorkerCommandOptions = {},
): Promise<number> {
  const stderr = opts.stderr ?? process.stderr;
  let cfg, creds, agentPolicy, sandbox: ResolvedSandbox, log: Logger;
  let memory: MemorySampler | undefined;
  try {
    cfg = loadEnvConfig(env);
    agentPolicy = agentPolicyFromEnv(env);
    sandbox = await resolveSandbox(env, "on");
    // The worker needs no webhook secret; the credential reader asks for one, so give it a stand-in.
    creds = readAppCredentials({
      ...env,
      WEBHOOK_SECRET: env.WEBHOOK_SECRET?.trim() || "not-used-by-worker",
    });
    // pino: ISO time, LOG_LEVEL, secrets redacted (the key by value too: PRIVATE_KEY_PATH is not in the env).
    log = opts.log ?? createLogger({ env, destination: stderr, secrets: [creds.privateKey] });
    // Hidden debugging aid (bench/worker-memory.ts): memory samples as JSON lines.
    const memoryFile = env.MAESTRO_DEBUG_MEMORY_FILE?.trim();
    if (memoryFile) memory = startMemorySampler(memoryFile);
  } catch (err) {
    stderr.write(`maestro worker: ${(err as Error).message}\n`);
    return 2;
  }
  const baseUrl = githubApiBaseUrl(env);
  // GitHub write spacing shared with the other workers and serve (MAESTRO_SHARED_WRITE_LIMIT).
  const writeLimit = openWriteLimiter(env, {
    warn: (o, m) => log.warn(o, m),
  });
  const auth = createAppAuth({
    appId: creds.appId,
    privateKey: creds.privateKey,
    ...(baseUrl ? { baseUrl } : {}),
    ...(writeLimit ? { writeLimiter: writeLimit.limiter } : {}),
  });
  const slug = env.MAESTRO_APP_SLUG?.trim();
  const botId = Number(env.MAESTRO_BOT_USER_ID?.trim() || NaN);
  let identity;
  try {
    identity = slug
      ? botIdentity(slug, Number.isInteger(botId) ? botId : undefined)
      : await lookupBotIdentity(auth.probot, baseUrl);
  } catch (err) {
    stderr.write(
      `maestro worker: cannot look up the app on GitHub (${(err as Error).message}). Check APP_ID/PRIVATE_KEY and the network, or set MAESTRO_APP_SLUG.\n`,
    );
    memory?.stop();
    await writeLimit?.close();
    return 3;
  }
  const running = await startWorker({
    env,
    deps: {
      dataDir: cfg.dataDir,
      minFreeDiskMb: cfg.minFreeDiskMb,
      worktreePoolSize: cfg.worktreePoolSize,
      installation: (id) => auth.installation(id),
      remoteUrl: (owner, repo) => cfg.gitRemoteUrl(owner, repo),
      botIdentity: identity,
      agentEnv: env,
      secrets: {
        "the app's private key": creds.privateKey,
        ...(env.WEBHOOK_SECRET?.trim() ? { "the webhook secret": env.WEBHOOK_SECRET.trim() } : {}),
        ...(cfg.logSigningKey ? { "the run-log signing key": cfg.logSigningKey } : {}),
      },
      agentPolicy,
      ...(sandbox.setup ? { sandbox: sandbox.setup } : {}),
      ...(sandbox.problem ? { sandboxProblem: sandbox.problem } : {}),
      // Links only when they can be served: a public URL and a key to sign them with.
      ...(cfg.publicUrl && cfg.logSigningKey
        ? {
            runLogUrl: (runId: string) =>
              signRunLogUrl({ publicUrl: cfg.publicUrl!, runId, key: cfg.logSigningKey! }),
            runPageUrl: (runId: string) =>
              signRunPageUrl({ publicUrl: cfg.publicUrl!, runId, key: cfg.logSigningKey! }),
          }
        : {}),
      // Each run's lines carry runId, repo and installation (a child made where the run starts).
      log,
    },
  });
  memory?.mark("ready");
  opts.onStarted?.(running);
  stderr.write(`maestro worker: ${sandbox.notice}\n`);
  if (!sandbox.setup && env.PRIVATE_KEY?.trim()) {
    log.warn(
      {},
      "maestro worker: WARNING: the app's key is in PRIVATE_KEY, and agents run outside a sandbox: anything they " +
        "start can read it from this process's /proc/<pid>/environ. Prefer PRIVATE_KEY_PATH (a file only this user reads).",
    );
  }
  if (sandbox.problem)
    log.warn(
      { problem: sandbox.problem },
      "maestro worker: every run will be refused until the sandbox can start",
    );
  stderr.write(`maestro worker: processing runs (concurrency ${cfg.concurrency})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    if (opts.signal) {
      if (opts.signal.aborted) return resolve();
      opts.signal.addEventListener("abort", stop, { once: true });
    } else {
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    }
  });
  stderr.write("maestro worker: closing (running runs get up to a minute to finish)\n");
  await running.close();
  await writeLimit?.close();
  memory?.stop();
  return 0;
}
