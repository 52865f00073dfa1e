// Names shared by the webhook side and the workers (DESIGN §1).
export const QUEUE_NAME = "maestro-runs";
/** BullMQ job name of a run. */
export const RUN_JOB_NAME = "run";
/** Default prefix for BullMQ keys and Maestro's own keys; tests pass a unique one. */
export const DEFAULT_PREFIX = "maestro";

/** Pub/sub channel that carries cancel requests (payload: the run id). */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}
