// Runs per issue/PR, so `status`, `cancel` and `retry` read a short list instead of scanning the queue.
// The worker moves a run through its states with setRunState.
import type { Store } from "./connection.js";
import type { RunJobData } from "./job-schema.js";
import { keys, repoKey } from "./keys.js";

export const RUN_STATES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "budget_exceeded",
  "timeout",
] as const;
export type RunState = (typeof RUN_STATES)[number];
export const ACTIVE_STATES: readonly RunState[] = ["queued", "running"];
/** States `/maestro retry` resumes from. */
export const RETRYABLE_STATES: readonly RunState[] = ["failed", "cancelled", "budget_exceeded", "timeout"];

export interface RunRecord {
  runId: string;
  repo: string;
  issueNumber: number;
  playbook: string;
  state: RunState;
  actor: string;
  createdAt: string;
  updatedAt: string;
  resumeOf?: string;
  prUrl?: string;
}

/** Records are kept this long after their last update. */
export const RUN_RECORD_TTL_SECONDS = 90 * 24 * 3600;
/** At most this many runs are listed per issue. */
const MAX_RUNS_PER_ISSUE = 200;

export async function recordRun(
  store: Store,
  run: {
    runId: string;
    repo: { owner: string; name: string };
    issueNumber: number;
    playbook: string;
    actor: string;
    resumeOf?: string;
    /** The job data, kept so `/maestro retry` works after BullMQ dropped the job. */
    job?: RunJobData;
  },
  now: Date = new Date(),
): Promise<RunRecord> {
  const repo = repoKey(run.repo);
  const record: RunRecord = {
    runId: run.runId,
    repo,
    issueNumber: run.issueNumber,
    playbook: run.playbook,
    state: "queued",
    actor: run.actor,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(run.resumeOf ? { resumeOf: run.resumeOf } : {}),
  };
  const listKey = keys.issueRuns(store.prefix, repo, run.issueNumber);
  const runKey = keys.run(store.prefix, run.runId);
  await store.redis
    .multi()
    .hset(runKey, { ...toHash(record), ...(run.job ? { job: JSON.stringify(run.job) } : {}) })
    .expire(runKey, RUN_RECORD_TTL_SECONDS)
    .zadd(listKey, now.getTime(), run.runId)
    .zremrangebyrank(listKey, 0, -MAX_RUNS_PER_ISSUE - 1)
    .expire(listKey, RUN_RECORD_TTL_SECONDS)
    .exec();
  return record;
}

/** Moves a run to a new state. Returns false when the run is unknown. */
export async function setRunState(
  store: Store,
  runId: string,
  state: RunState,
  extra: { prUrl?: string } = {},
  now: Date = new Date(),
): Promise<boolean> {
  const runKey = keys.run(store.prefix, runId);
  if ((await store.redis.exists(runKey)) === 0) return false;
  await store.redis
    .multi()
    .hset(runKey, { state, updatedAt: now.toISOString(), ...(extra.prUrl ? { prUrl: extra.prUrl } : {}) })
    .expire(runKey, RUN_RECORD_TTL_SECONDS)
    .exec();
  return true;
}

export async function getRun(store: Store, runId: string): Promise<RunRecord | null> {
  const h = await store.redis.hgetall(keys.run(store.prefix, runId));
  return fromHash(h);
}

/** The job data recorded with the run, or null. */
export async function getRunJob(store: Store, runId: string): Promise<RunJobData | null> {
  const raw = await store.redis.hget(keys.run(store.prefix, runId), "job");
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as RunJobData;
  } catch {
    return null;
  }
}

/** The runs of an issue or PR, newest first. */
export async function listIssueRuns(
  store: Store,
  repo: { owner: string; name: string },
  issueNumber: number,
): Promise<RunRecord[]> {
  const ids = await store.redis.zrevrange(keys.issueRuns(store.prefix, repoKey(repo), issueNumber), 0, -1);
  if (ids.length === 0) return [];
  const pipe = store.redis.pipeline();
  for (const id of ids) pipe.hgetall(keys.run(store.prefix, id));
  const res = (await pipe.exec()) ?? [];
  const out: RunRecord[] = [];
  for (const [err, h] of res) {
    if (err) continue;
    const r = fromHash(h as Record<string, string>);
    if (r) out.push(r);
  }
  return out;
}

function toHash(r: RunRecord): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) h[k] = String(v);
  return h;
}

function fromHash(h: Record<string, string> | null | undefined): RunRecord | null {
  if (!h || !h.runId || !h.state) return null;
  const state = (RUN_STATES as readonly string[]).includes(h.state) ? (h.state as RunState) : "failed";
  return {
    runId: h.runId,
    repo: h.repo ?? "",
    issueNumber: Number(h.issueNumber),
    playbook: h.playbook ?? "",
    state,
    actor: h.actor ?? "",
    createdAt: h.createdAt ?? "",
    updatedAt: h.updatedAt ?? "",
    ...(h.resumeOf ? { resumeOf: h.resumeOf } : {}),
    ...(h.prUrl ? { prUrl: h.prUrl } : {}),
  };
}
