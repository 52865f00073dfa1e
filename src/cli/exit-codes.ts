// Documented exit codes of `maestro` (DESIGN §9).
export const EXIT = {
  /** All tasks done. */
  OK: 0,
  /** A task failed or the run stopped (cancel, timeout, budget). */
  RUN_FAILED: 1,
  /** Bad usage or bad input (flags, playbook, config, not a git repo). */
  USAGE: 2,
  /** A required service is unreachable (Redis, agent binary). */
  UNAVAILABLE: 3,
} as const;

/** An error that ends the CLI with a message and an exit code, never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
    this.name = "CliError";
  }
}
