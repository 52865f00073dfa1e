// Gemini CLI headless: `gemini --output-format stream-json --approval-mode auto_edit -p INSTRUCTION`, the prompt on
// stdin (gemini prepends piped stdin to the -p text), so argv only carries a fixed one-line instruction.
// auto_edit mirrors Claude Code's acceptEdits; inside Maestro's sandbox it gets yolo (every tool). GEMINI_CLI_TRUST_WORKSPACE: worktrees are not in the user's
// trusted-folders list, and an untrusted folder would downgrade the approval mode.
import { resolveAgentBin } from "./bin.js";
import { promptWithSystem } from "./codex.js";
import { createGeminiStreamParser } from "./parsers/gemini-stream.js";
import { runAgentProcess } from "./run-agent.js";
import type { AgentAdapter, AgentInvocation, AgentResult, AgentRunOptions } from "./types.js";

export const GEMINI_ARGV_INSTRUCTION = "Carry out the task described above.";

export const geminiAdapter: AgentAdapter = {
  name: "gemini",
  buildInvocation(opts: AgentRunOptions): AgentInvocation {
    const args = [
      "--output-format",
      "stream-json",
      "--approval-mode",
      opts.fullAccess ? "yolo" : "auto_edit",
    ];
    if (opts.model) args.push("--model", opts.model);
    args.push("-p", GEMINI_ARGV_INSTRUCTION);
    return {
      command: opts.bin ?? resolveAgentBin("gemini", opts.baseEnv),
      args,
      stdin: promptWithSystem(opts),
      env: { GEMINI_CLI_TRUST_WORKSPACE: "true" },
    };
  },
  expectedModel(opts) {
    return opts.model;
  },
  run(opts: AgentRunOptions): Promise<AgentResult> {
    const parser = createGeminiStreamParser({
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.pricing ? { pricing: opts.pricing } : {}),
    });
    return runAgentProcess("gemini", geminiAdapter.buildInvocation(opts), parser, opts);
  },
};
