// Codex headless: `codex exec --json --sandbox workspace-write -`, the prompt on stdin (`-`). exec never asks for
// approval; the workspace-write sandbox confines writes to the worktree. Codex has no turn limit or system-prompt
// flag, so maxTurns is not applied and the system prompt is put before the task prompt.
import { resolveAgentBin } from "./bin.js";
import { codexConfiguredModel } from "./configured-model.js";
import { createCodexStreamParser } from "./parsers/codex-stream.js";
import { runAgentProcess } from "./run-agent.js";
import type { AgentAdapter, AgentInvocation, AgentResult, AgentRunOptions } from "./types.js";

export function promptWithSystem(opts: AgentRunOptions): string {
  return opts.systemPrompt ? `${opts.systemPrompt}\n\n${opts.prompt}` : opts.prompt;
}

export const codexAdapter: AgentAdapter = {
  name: "codex",
  buildInvocation(opts: AgentRunOptions): AgentInvocation {
    // Inside Maestro's sandbox, Codex's own is off: ours is the boundary, and Codex's breaks when bwrap is on
    // PATH without its helper binary (every shell call then fails).
    const args = opts.fullAccess
      ? ["exec", "--json", "--dangerously-bypass-approvals-and-sandbox"]
      : ["exec", "--json", "--sandbox", "workspace-write"];
    if (opts.model) args.push("--model", opts.model);
    args.push("-");
    return {
      command: opts.bin ?? resolveAgentBin("codex", opts.baseEnv),
      args,
      stdin: promptWithSystem(opts),
    };
  },
  expectedModel(opts) {
    return opts.model ?? codexConfiguredModel(opts.baseEnv);
  },
  run(opts: AgentRunOptions): Promise<AgentResult> {
    const model = codexAdapter.expectedModel!(opts);
    const parser = createCodexStreamParser({
      ...(model ? { model } : {}),
      ...(opts.pricing ? { pricing: opts.pricing } : {}),
    });
    return runAgentProcess("codex", codexAdapter.buildInvocation(opts), parser, opts);
  },
};
