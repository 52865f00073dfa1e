// Process environment (DESIGN §10), validated once at start-up. Empty variables count as unset.
import { z } from "zod";
import { isSentinelUrl, parseRedisUrl } from "../queue/redis-url.js";
import { resolveDataDir } from "../runlog/paths.js";
import { parseAgentEnvList } from "../security/child-env.js";

export interface EnvConfig {
  redisUrl: string;
  /** Absolute. */
  dataDir: string;
  /** Runs per worker process. */
  concurrency: number;
  /** Free disk (MiB) under dataDir a worker needs before it starts a run. */
  minFreeDiskMb: number;
  /** Idle worktrees kept per repository for the next runs; default: the concurrency. */
  worktreePoolSize: number;
  /** A run's job lock: renewed every half of it by the live worker; a dead worker's run is free after it. */
  lockDurationMs: number;
  /** How often workers look for runs whose lock lapsed (dead workers) and take them over. */
  stalledIntervalMs: number;
  /** GitHub write spacing shared by all processes through Redis (false: each process spaces its own). */
  sharedWriteLimit: boolean;
  /** Days a run's log stays in Redis after its last event (MAESTRO_RUN_LOG_TTL_DAYS). */
  runLogTtlDays: number;
  /** Bytes of one run's log Redis keeps (MAESTRO_RUN_LOG_MAX_MB); 0: run logs stay on the workers' disks only. */
  runLogMaxBytes: number;
  /** Base URL for links, without a trailing slash. */
  publicUrl?: string;
  logSigningKey?: string;
  /** The operator credential for /maestro/admin (the queue board and the day's costs); unset: the view is off. */
  adminToken?: string;
  /** The operator view only reads (default); false lets operators retry, clean, promote and pause jobs. */
  adminReadOnly: boolean;
  gheHost?: string;
  gheProtocol: "http" | "https";
  /** `github.com`, or the GHE host. */
  githubHost: string;
  /** `{protocol}://{host}/{owner}/{repo}.git`: the remote git talks to (never carries a token). */
  gitRemoteUrl(owner: string, repo: string): string;
}

const HOST_RE = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO_RE = /^[A-Za-z0-9._-]{1,100}$/;

const fields = {
  REDIS_URL: z
    .string()
    .default("redis://127.0.0.1:6379")
    .refine((v) => (/^rediss?:\/\/\S+$/.test(v) && canParseUrl(v)) || validSentinelUrl(v), {
      message:
        "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379, or a Sentinel group, e.g. redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster",
    }),
  MAESTRO_DATA_DIR: z.string().default("./.maestro"),
  MAESTRO_CONCURRENCY: z
    .string()
    .default("2")
    .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 64, {
      message: "must be a whole number from 1 to 64 (runs per worker process), e.g. 2",
    }),
  MAESTRO_MIN_FREE_DISK_MB: z
    .string()
    .default("1024")
    .refine((v) => /^\d+$/.test(v.trim()), {
      message: "must be a whole number of MiB of free disk a worker needs to start a run, e.g. 1024",
    }),
  MAESTRO_LOCK_DURATION_MS: z
    .string()
    .default("30000")
    .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= 5000, {
      message:
        "must be a whole number of milliseconds, at least 5000 (how long a worker's claim on a run lasts without renewal), e.g. 30000",
    }),
  MAESTRO_STALLED_INTERVAL_MS: z
    .string()
    .default("15000")
    .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= 1000, {
      message:
        "must be a whole number of milliseconds, at least 1000 (how often workers look for runs of dead workers), e.g. 15000",
    }),
  MAESTRO_WORKTREE_POOL_SIZE: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^\d+$/.test(v.trim()), {
      message:
        "must be a whole number ≥ 0 (idle worktrees a worker keeps per repository; 0 keeps none), e.g. 4",
    }),
  MAESTRO_SHARED_WRITE_LIMIT: z
    .string()
    .default("1")
    .refine((v) => v === "0" || v === "1", {
      message:
        'must be "1" (space GitHub writes per installation across all Maestro processes, through Redis) or "0" (each process spaces its own)',
    }),
  MAESTRO_RUN_LOG_TTL_DAYS: z
    .string()
    .default("30")
    .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 3650, {
      message:
        "must be a whole number of days from 1 to 3650 (how long a run's log stays in Redis after its last event; the PR's link to it lives 30 days), e.g. 30",
    }),
  MAESTRO_RUN_LOG_MAX_MB: z
    .string()
    .default("32")
    .refine((v) => /^\d+$/.test(v.trim()) && Number(v) <= 4096, {
      message:
        "must be a whole number of MiB from 0 to 4096 (how much of one run's log Redis keeps; 0 keeps run logs on the workers' disks only), e.g. 32",
    }),
  MAESTRO_PUBLIC_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || (/^https?:\/\//.test(v) && canParseUrl(v)), {
      message:
        "must be an http:// or https:// URL where this app is reachable, e.g. https://maestro.example.com",
    }),
  MAESTRO_LOG_SIGNING_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.length >= 16, {
      message: "must be at least 16 characters; generate one with: openssl rand -hex 32",
    }),
  MAESTRO_ADMIN_TOKEN: z
    .string()
    .optional()
    .refine((v) => v === undefined || (v.length >= 32 && !/\s/.test(v)), {
      message:
        "must be at least 32 characters with no spaces (the operator view's credential); generate one with: openssl rand -hex 32",
    }),
  MAESTRO_ADMIN_READONLY: z
    .string()
    .default("1")
    .refine((v) => v === "0" || v === "1", {
      message:
        'must be "1" (the operator view only reads) or "0" (operators may also retry, clean, promote and pause jobs)',
    }),
  // Read where it is used (buildChildEnv filters the env it is given); checked here so a bad entry stops start-up.
  MAESTRO_AGENT_ENV: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      for (const problem of parseAgentEnvList(v).problems) {
        ctx.addIssue({
          code: "custom",
          message: `holds ${problem}`,
        });
      }
    }),
  GHE_HOST: z
    .string()
    .optional()
    .refine((v) => v === undefined || HOST_RE.test(v), {
      message: "must be a host name with an optional port and no protocol or path, e.g. github.example.com",
    }),
  GHE_PROTOCOL: z.enum(["http", "https"], { message: 'must be "http" or "https"' }).default("https"),
};
const envSchema = z.object(fields);
type VarName = keyof typeof fields;
const HAS_DEFAULT = new Set([
  "REDIS_URL",
  "MAESTRO_DATA_DIR",
  "MAESTRO_CONCURRENCY",
  "MAESTRO_MIN_FREE_DISK_MB",
  "MAESTRO_LOCK_DURATION_MS",
  "MAESTRO_STALLED_INTERVAL_MS",
  "MAESTRO_RUN_LOG_TTL_DAYS",
  "MAESTRO_RUN_LOG_MAX_MB",
  "MAESTRO_SHARED_WRITE_LIMIT",
  "MAESTRO_ADMIN_READONLY",
  "GHE_PROTOCOL",
]);

/** Never echoed in an error. */
const SECRET_VARS = new Set(["MAESTRO_LOG_SIGNING_KEY", "MAESTRO_ADMIN_TOKEN"]);

export function loadEnvConfig(env: NodeJS.ProcessEnv): EnvConfig {
  const input: Partial<Record<VarName, string>> = {};
  for (const name of Object.keys(fields) as VarName[]) {
    const v = env[name]?.trim();
    if (v !== undefined && v !== "") input[name] = v;
  }
  const r = envSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = String(i.path[0]);
      const got = input[name as VarName];
      const shown =
        got === undefined
          ? ""
          : `, got ${JSON.stringify(SECRET_VARS.has(name) ? "…" : hideCredentials(got))}`;
      const fix = HAS_DEFAULT.has(name) ? "Fix it or unset it to use the default." : "Fix it or unset it.";
      return `- ${name} ${i.message}${shown}. ${fix}`;
    });
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const e = r.data;
  const gheHost = e.GHE_HOST;
  const githubHost = gheHost ?? "github.com";
  const gheProtocol = e.GHE_PROTOCOL;
  // github.com is always https; GHE_PROTOCOL only applies to a GHE host (as in Probot).
  const protocol = gheHost ? gheProtocol : "https";
  const config: EnvConfig = {
    redisUrl: e.REDIS_URL,
    dataDir: resolveDataDir({ MAESTRO_DATA_DIR: e.MAESTRO_DATA_DIR }),
    concurrency: Number(e.MAESTRO_CONCURRENCY),
    minFreeDiskMb: Number(e.MAESTRO_MIN_FREE_DISK_MB),
    worktreePoolSize:
      e.MAESTRO_WORKTREE_POOL_SIZE !== undefined
        ? Number(e.MAESTRO_WORKTREE_POOL_SIZE)
        : Number(e.MAESTRO_CONCURRENCY),
    lockDurationMs: Number(e.MAESTRO_LOCK_DURATION_MS),
    stalledIntervalMs: Number(e.MAESTRO_STALLED_INTERVAL_MS),
    sharedWriteLimit: e.MAESTRO_SHARED_WRITE_LIMIT === "1",
    runLogTtlDays: Number(e.MAESTRO_RUN_LOG_TTL_DAYS),
    runLogMaxBytes: Number(e.MAESTRO_RUN_LOG_MAX_MB) * 1024 * 1024,
    adminReadOnly: e.MAESTRO_ADMIN_READONLY === "1",
    gheProtocol,
    githubHost,
    gitRemoteUrl(owner: string, repo: string): string {
      if (!OWNER_RE.test(owner))
        throw new Error(`Invalid repository owner ${JSON.stringify(owner)}: expected a GitHub login.`);
      if (!REPO_RE.test(repo) || repo === "." || repo === "..") {
        throw new Error(
          `Invalid repository name ${JSON.stringify(repo)}: expected letters, digits, '.', '_' or '-'.`,
        );
      }
      return `${protocol}://${githubHost}/${owner}/${repo}.git`;
    },
  };
  if (e.MAESTRO_PUBLIC_URL !== undefined) config.publicUrl = e.MAESTRO_PUBLIC_URL.replace(/\/+$/, "");
  if (e.MAESTRO_LOG_SIGNING_KEY !== undefined) config.logSigningKey = e.MAESTRO_LOG_SIGNING_KEY;
  if (e.MAESTRO_ADMIN_TOKEN !== undefined) config.adminToken = e.MAESTRO_ADMIN_TOKEN;
  if (gheHost !== undefined) config.gheHost = gheHost;
  return config;
}

/** A bad URL may still carry a password: never echo it into logs. */
function hideCredentials(v: string): string {
  return v.replace(/\/\/[^/@\s]*@/, "//***@");
}

function validSentinelUrl(v: string): boolean {
  if (!isSentinelUrl(v)) return false;
  try {
    parseRedisUrl(v);
    return true;
  } catch {
    return false;
  }
}

function canParseUrl(v: string): boolean {
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}
