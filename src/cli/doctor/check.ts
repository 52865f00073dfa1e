// One `maestro doctor` check: what it looked at, what it found, and what to do about it.

/** ok: fine. fail: something a run needs is missing (doctor exits non-zero). warn: works, but worth fixing. */
export type CheckStatus = "ok" | "fail" | "warn";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about it (printed on the next line); absent when there is nothing to do. */
  fix?: string;
}

export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  /** A relative MAESTRO_DATA_DIR is under it. */
  cwd: string;
  /**
   * The environment is configured for serve/worker (any of APP_ID, PRIVATE_KEY, PRIVATE_KEY_PATH,
   * WEBHOOK_SECRET, REDIS_URL, MAESTRO_PUBLIC_URL is set): then the app credentials, the webhook secret and
   * Redis are needed, and their problems fail. Without them only `maestro run` is possible, and those are warnings.
   */
  deployment: boolean;
}

const DEPLOYMENT_VARS = [
  "APP_ID",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "REDIS_URL",
  "MAESTRO_PUBLIC_URL",
];

export function isDeployment(env: NodeJS.ProcessEnv): boolean {
  return DEPLOYMENT_VARS.some((v) => Boolean(env[v]?.trim()));
}

/** "fail" where the deployment needs it, else "warn". */
export function needed(ctx: DoctorContext): CheckStatus {
  return ctx.deployment ? "fail" : "warn";
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const why = cause instanceof Error ? cause.message : "";
    return why && !err.message.includes(why) ? `${err.message}: ${why}` : err.message;
  }
  return String(err);
}

/** A URL with its password hidden. */
export function hideUrlCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
