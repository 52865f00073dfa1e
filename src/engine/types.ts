// What the engine needs to run a playbook and what it reports back. No GitHub, no Redis here (DESIGN §2).
import type { AgentAdapter, AgentName, PricingTable } from "../agents/types.js";
import type { Playbook } from "../playbooks/types.js";
import type { TemplateValues } from "../playbooks/template.js";
import type { RunLogWriter } from "../runlog/writer.js";
import type { RunStatus, TaskStatus, Tokens } from "../runlog/events.js";
import type { SandboxSetup } from "../sandbox/run-sandbox.js";

export interface GitIdentity {
  name: string;
  email: string;
}

export interface RunLimits {
  /** Cap for the whole run; the agent is stopped mid-task when crossed. */
  maxCostUsd?: number;
  taskTimeoutMs: number;
  runTimeoutMs: number;
  /** An agent session silent (no message, tool call or usage) this long is stopped; the task ends "stalled". */
  stallTimeoutMs?: number;
}

/** Where a run's working copy comes from when it is not added and removed per run. */
export interface WorktreeProvider {
  /** A worktree on `branch` (created from baseRef when missing) with exactly that commit's tree. */
  acquire(opts: {
    branch: string;
    baseRef: string;
    reuseBranch?: boolean;
    signal?: AbortSignal;
  }): Promise<{ path: string; baseSha: string }>;
  /** The run is over: free the branch and take the worktree back. */
  release(worktree: { path: string }): Promise<void>;
}

export interface RunPlaybookOptions {
  runId: string;
  /** The git repository the worktree is added to (the user's repo for the CLI, the bare mirror for the worker). */
  repoDir: string;
  /** Where worktrees live: `$MAESTRO_DATA_DIR/worktrees`. */
  worktreesDir: string;
  playbook: Playbook;
  baseRef: string;
  /** Run branch. When it exists already the run continues it: tasks committed on it are skipped. */
  branch: string;
  agent: AgentName;
  agentCommand?: string;
  model?: string;
  maxTurns?: number;
  verify: string[];
  limits: RunLimits;
  onTaskFailure: "stop" | "continue";
  protectedPaths: string[];
  pricing?: PricingTable;
  templateValues?: TemplateValues;
  trigger: { kind: string; actor: string; url?: string };
  /** Shown in run.started, e.g. "owner/name" or the local directory. */
  repoLabel: string;
  author: GitIdentity;
  coAuthors?: GitIdentity[];
  /** The environment the agent's allowlisted env is built from. */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log: RunLogWriter;
  /** Keep the run's worktree instead of removing it (ignored with worktreePool: the slot goes back to the pool). */
  keepWorktree?: boolean;
  /**
   * Take the working copy from this pool (the worker's WorktreePool, src/git/worktree-pool.ts) and give it
   * back after the run, instead of `git worktree add` under worktreesDir and removal. Default: add/remove.
   */
  worktreePool?: WorktreeProvider;
  /**
   * Run every agent session and verify command in a sandbox (DESIGN §11); absent: on the host, with the
   * agents in their edit-only modes.
   */
  sandbox?: SandboxSetup;
  /**
   * Secrets Maestro knows (label → value: the installation token, agent API keys, the app key, …). Each task's
   * diff is searched for them, raw or encoded, before it is committed; a hit fails the task.
   */
  secrets?: Record<string, string>;
  /** Dependency injection for tests and embedders; default: the registry's adapter for `agent`. */
  adapter?: AgentAdapter;
  /** Agent binary override (MAESTRO_<AGENT>_BIN). */
  agentBin?: string;
  /**
   * Awaited after each task's commit (the worker pushes here, so another worker can resume from the remote).
   * A throw stops the run as failed; the commit stays.
   */
  onTaskCommitted?: (commit: {
    index: number;
    sha: string;
    branch: string;
    worktree: string;
  }) => Promise<void>;
}

export interface TaskOutcome {
  index: number;
  text: string;
  status: TaskStatus;
  costUsd: number;
  durationMs: number;
  sha?: string;
  summary?: string;
  error?: string;
  /** Files the task's commit changed (0: the task changed nothing). */
  filesChanged?: number;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  branch: string;
  baseSha: string;
  worktreePath: string;
  tasksDone: number;
  tasksTotal: number;
  tasks: TaskOutcome[];
  costUsd: number;
  tokens: Tokens;
  durationMs: number;
  error?: string;
  /** Models used without a price: costUsd leaves their tokens out. */
  unpricedModels?: string[];
}
