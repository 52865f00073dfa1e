// Names shared by the webhook side and the workers (DESIGN §1).
export const QUEUE_NAME = "maestro-runs";
/** BullMQ job name of a run. */
export const RUN_JOB_NAME = "run";
/**
 * Default prefix for BullMQ keys and Maestro's own keys; tests pass a unique one. The braces are a
 * Redis Cluster hash tag: every key of a queue hashes to one slot, which BullMQ's scripts need.
 */
export const DEFAULT_PREFIX = "{maestro}";

/** MAESTRO_REDIS_PREFIX, hash-tagged (`acme` → `{acme}`) unless it already holds a `{tag}`. */
export function resolvePrefix(env: NodeJS.ProcessEnv): string {
  const p = env.MAESTRO_REDIS_PREFIX?.trim();
  if (!p) return DEFAULT_PREFIX;
  return /\{[^{}]+\}/.test(p) ? p : `{${p}}`;
}

/** Pub/sub channel that carries cancel requests (payload: the run id). */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}
