// What the run processor needs from the outside; all injected so tests can stand in for GitHub.
import type { AgentAdapter } from "../agents/types.js";
import type { GitIdentity } from "../engine/types.js";
import type { Octokit } from "../github/octokit.js";
import type { Store } from "../queue/connection.js";
import type { AgentPolicy } from "../config/agent-policy.js";
import type { SandboxSetup } from "../sandbox/run-sandbox.js";
import type { RunLogStore } from "../runlog/store.js";

export interface Installation {
  octokit: Octokit;
  /** A current installation token (refreshed by Octokit before it expires). Never logged, never stored. */
  token(): Promise<string>;
}

export interface WorkerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** A logger whose every line carries `bindings` (pino's child); processRun binds runId, repo, installation. */
  child?(bindings: Record<string, unknown>): WorkerLog;
}

export interface WorkerDeps {
  store: Store;
  /** `$MAESTRO_DATA_DIR` (absolute): mirrors, worktrees, run logs. */
  dataDir: string;
  /** Authenticated API client and git token of an installation. */
  installation(installationId: number): Promise<Installation>;
  /** The git remote of a repo, without credentials. Default: env config's gitRemoteUrl. */
  remoteUrl(owner: string, repo: string): string;
  /** Commit author: the app's bot user. */
  botIdentity: GitIdentity;
  /** The environment the agent's allowlisted env is built from (agent keys etc.). */
  agentEnv: NodeJS.ProcessEnv;
  /** The link to a run's log for the PR body and status comment (signed and expiring); none when unset. */
  runLogUrl?: (runId: string) => string;
  /** The link to a run's live page (served by `maestro serve`, same signature scheme); none when unset. */
  runPageUrl?: (runId: string) => string;
  /** The run-log store every host reads (issue 14): each event also goes there, and a run resumed on another
   * worker continues the one log. startWorker builds it on its Redis connection (unless MAESTRO_RUN_LOG_MAX_MB=0). */
  runLogStore?: RunLogStore;
  /** Bytes of one run's log the store keeps (MAESTRO_RUN_LOG_MAX_MB); past it one `log.truncated`. Default: no limit. */
  runLogMaxBytes?: number;
  /** Agent adapter override (tests). */
  adapter?: AgentAdapter;
  /** Minimum pause between two progress edits of a status comment, ms, and between two progress edits of
   * any runs of one installation (they share GitHub's write budget). Default 2000. */
  statusEditIntervalMs?: number;
  /** Idle worktrees kept per repository (MAESTRO_WORKTREE_POOL_SIZE); without it every run adds and removes its own. */
  worktreePoolSize?: number;
  /** Free disk (MiB) the data dir must have for a run to start (MAESTRO_MIN_FREE_DISK_MB). Default 0. */
  minFreeDiskMb?: number;
  /** How long a run over the repo's maxConcurrentRuns waits before it asks for a slot again, ms. Default 15000. */
  slotWaitMs?: number;
  /** Pause before retrying a failed PR creation (attempt n ≥ 2), ms. */
  prBackoffMs?: (attempt: number) => number;
  log?: WorkerLog;
  /** The worker's own secrets (the app's key, the webhook secret; label → value): redacted from everything
   * written, and searched for in every task's diff. Secrets in agentEnv are found by their names. */
  secrets?: Record<string, string>;
  /** Agent sessions and verify commands run in this sandbox (DESIGN §11). Absent: on the host. */
  sandbox?: SandboxSetup;
  /** Why the required sandbox cannot start: every run is refused with it (and its fix). */
  sandboxProblem?: string;
  /** Which agents and commands repositories may choose. maestro worker/serve always set it (from the env);
   * absent (embedders, tests): no restriction. */
  agentPolicy?: AgentPolicy;
}

export const silentLog: WorkerLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
