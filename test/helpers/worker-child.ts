// A worker in its own process, for the SIGKILL drill: `node --import tsx test/helpers/worker-child.ts`.
// Env: REDIS_URL, WORKER_PREFIX, MAESTRO_DATA_DIR, WORKER_REMOTE_DIR, WORKER_API_URL,
// WORKER_PRIVATE_KEY_FILE, WORKER_AGENT_HOME, WORKER_LOCK_MS. Prints "ready" once it takes jobs.
import fs from "node:fs";
import { Redis } from "ioredis";
import { ProbotOctokit } from "probot";
import { createAppAuth } from "../../src/workers/installation.js";
import { startWorker } from "../../src/workers/worker.js";

const env = process.env;
const need = (name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`worker-child: ${name} is required`);
  return v;
};
const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
})) as typeof ProbotOctokit;
const app = createAppAuth({
  appId: 1,
  privateKey: fs.readFileSync(need("WORKER_PRIVATE_KEY_FILE"), "utf8"),
  baseUrl: need("WORKER_API_URL"),
  Octokit,
});
const connection = new Redis(need("REDIS_URL"), { maxRetriesPerRequest: null });
const prefix = need("WORKER_PREFIX");
const lockMs = Number(env.WORKER_LOCK_MS ?? "2000");
await startWorker({
  env: { MAESTRO_DATA_DIR: need("MAESTRO_DATA_DIR"), MAESTRO_CONCURRENCY: "1" },
  connection,
  prefix,
  lockDurationMs: lockMs,
  stalledIntervalMs: Math.max(250, Math.floor(lockMs / 2)),
  deps: {
    dataDir: need("MAESTRO_DATA_DIR"),
    installation: (id) => app.installation(id),
    remoteUrl: () => need("WORKER_REMOTE_DIR"),
    botIdentity: { name: "maestro-test[bot]", email: "99+maestro-test[bot]@users.noreply.github.com" },
    agentEnv: { PATH: env.PATH ?? "/usr/bin:/bin", HOME: need("WORKER_AGENT_HOME"), LANG: "C.UTF-8" },
    statusEditIntervalMs: 0,
    prBackoffMs: () => 10,
    log: {
      info: () => undefined,
      warn: (o, m) => process.stderr.write(`${m ?? ""} ${JSON.stringify(o)}\n`),
      error: (o, m) => process.stderr.write(`${m ?? ""} ${JSON.stringify(o)}\n`),
    },
  },
});
process.stdout.write("ready\n");
