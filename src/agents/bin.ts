// Where each agent's binary is: the operator's MAESTRO_<AGENT>_BIN, else the CLI's name looked up on PATH.
import fs from "node:fs";
import path from "node:path";
import type { AgentName } from "./types.js";

export const AGENT_BIN_DEFAULTS: Readonly<
  Record<Exclude<AgentName, "command">, { bin: string; envVar: string }>
> = {
  "claude-code": { bin: "claude", envVar: "MAESTRO_CLAUDE_CODE_BIN" },
  codex: { bin: "codex", envVar: "MAESTRO_CODEX_BIN" },
  opencode: { bin: "opencode", envVar: "MAESTRO_OPENCODE_BIN" },
  gemini: { bin: "gemini", envVar: "MAESTRO_GEMINI_BIN" },
};

/** The binary to spawn for `name`. The `command` agent runs through `sh`. */
export function resolveAgentBin(name: AgentName, env: NodeJS.ProcessEnv = process.env): string {
  if (name === "command") return "sh";
  const { bin, envVar } = AGENT_BIN_DEFAULTS[name];
  const override = env[envVar]?.trim();
  return override ? override : bin;
}

/** Where `bin` resolves on PATH (or itself, when it is a path), or undefined. */
export function findExecutable(bin: string, pathVar: string): string | undefined {
  const candidates = bin.includes("/")
    ? [bin]
    : pathVar
        .split(":")
        .filter(Boolean)
        .map((d) => path.join(d, bin));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}
