// Agent name -> adapter.
import { claudeCodeAdapter } from "./claude-code.js";
import { codexAdapter } from "./codex.js";
import { commandAdapter } from "./command.js";
import { geminiAdapter } from "./gemini.js";
import { openCodeAdapter } from "./opencode.js";
import { AGENT_NAMES, type AgentAdapter, type AgentName } from "./types.js";

export { AGENT_BIN_DEFAULTS, resolveAgentBin } from "./bin.js";

const ADAPTERS: Record<AgentName, AgentAdapter> = {
  "claude-code": claudeCodeAdapter,
  codex: codexAdapter,
  opencode: openCodeAdapter,
  gemini: geminiAdapter,
  command: commandAdapter,
};

export function getAgentAdapter(name: AgentName): AgentAdapter {
  const adapter = ADAPTERS[name];
  if (!adapter) throw new Error(`unknown agent '${String(name)}'; expected one of ${AGENT_NAMES.join(", ")}`);
  return adapter;
}
