// Slash-command shapes (DESIGN §4). Produced by parse.ts, consumed by the handlers.
import type { AgentName } from "../agents/types.js";

export type MaestroCommand =
  | {
      verb: "run";
      playbook?: string;
      agent?: AgentName;
      model?: string;
      maxCostUsd?: number;
      dryRun: boolean;
      /** Free text after `--`, trimmed; absent when empty. */
      args?: string;
    }
  | { verb: "fix"; text: string }
  | { verb: "retry"; runId?: string }
  | { verb: "cancel"; runId?: string }
  | { verb: "status" }
  | { verb: "list" }
  | { verb: "help" };

export type MaestroVerb = MaestroCommand["verb"];

export type CommandParseResult =
  | { ok: true; command: MaestroCommand; line: number; raw: string }
  /** skipped: a line past parseCommands' limit, not read. */
  | { ok: false; error: string; line: number; raw: string; skipped?: true };

export const VERBS: readonly MaestroVerb[] = ["run", "fix", "retry", "cancel", "status", "list", "help"];

/** `--max-cost` above this is refused as a likely typo. */
export const MAX_COST_LIMIT_USD = 1000;
