import type { CommandSandbox } from "../sandbox/run-sandbox.js";

// The AgentAdapter contract (DESIGN §8): (prompt, worktree, options, AbortSignal) -> child process -> normalized events + result.
export const AGENT_NAMES = ["claude-code", "codex", "opencode", "gemini", "command"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}
export type PricingTable = Record<string, ModelPrice>;

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /** The model the CLI reports it used (or, failing that, the one asked for); absent when nobody named one. */
  model?: string;
  /** false: the tokens are counted but the model has no price (costUsd is 0 and means "unknown", not free). */
  priced?: boolean;
}

export type AgentErrorCode = "rate_limit" | "auth" | "max_turns" | "malformed_output" | "not_found" | "other";

export type AgentEvent =
  | { kind: "message"; role: "assistant" | "user" | "system"; text: string }
  | { kind: "tool"; name: string; input?: unknown }
  /** Cumulative usage of this session so far (not a delta): later events replace earlier ones. */
  | ({ kind: "usage" } & Usage)
  | { kind: "error"; code: AgentErrorCode; message: string };

export type AgentResultStatus = "ok" | "failed" | "timeout" | "cancelled" | "stalled";

export interface AgentResult {
  status: AgentResultStatus;
  exitCode: number | null;
  /** Final cumulative usage of the session (the CLI's own result line when it has one). */
  usage: Usage;
  /** The session's own final text, used as the task summary (no second agent call). */
  summary?: string;
  error?: string;
  errorCode?: AgentErrorCode;
}

export interface AgentRunOptions {
  prompt: string;
  /** The worktree: the agent's cwd. */
  cwd: string;
  model?: string;
  maxTurns?: number;
  systemPrompt?: string;
  /** Per-session timeout; the process group is killed when it passes. */
  timeoutMs: number;
  /** Cancellation: the whole process group is killed (SIGTERM, then SIGKILL) within 10 s. */
  signal: AbortSignal;
  /** The environment to filter through the allowlist (usually process.env). Never passed through whole. */
  baseEnv: NodeJS.ProcessEnv;
  onEvent: (event: AgentEvent) => void;
  runId: string;
  taskIndex: number;
  pricing?: PricingTable;
  /** For the `command` agent: the shell command (`sh -c`). */
  agentCommand?: string;
  /** Binary override (MAESTRO_<AGENT>_BIN); defaults to the name on PATH. */
  bin?: string;
  /**
   * Stall watchdog: no parsed event (message, tool call, usage) for this long and the session is stopped
   * (its process group killed) with status "stalled" and an error that says what the agent last did.
   * Absent: no watchdog (the session timeout still applies).
   */
  stallTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL to the agent's process group on timeout/cancel. Default 3000 ms. */
  killGraceMs?: number;
  /** The run's sandbox: the session runs inside it (DESIGN §11). Absent: on the host, as the worker. */
  sandbox?: CommandSandbox;
  /** The agent's whole toolset (shell included); only ever true inside the sandbox. Default: edit-only modes. */
  fullAccess?: boolean;
}

export interface AgentInvocation {
  command: string;
  args: string[];
  /** Written to the child's stdin, then closed. */
  stdin?: string;
  /** Extra env vars set for the child on top of the allowlisted env. */
  env?: Record<string, string>;
}

export interface AgentAdapter {
  readonly name: AgentName;
  /** The documented headless argv for this CLI. Pure: tests check it. */
  buildInvocation(opts: AgentRunOptions): AgentInvocation;
  /**
   * For CLIs whose tokens Maestro prices (no cost of their own): the model the session will use, when it can be
   * known before it starts, so a run under a cost cap can refuse an unpriced model up front.
   */
  expectedModel?(opts: Pick<AgentRunOptions, "model" | "baseEnv">): string | undefined;
  run(opts: AgentRunOptions): Promise<AgentResult>;
}
