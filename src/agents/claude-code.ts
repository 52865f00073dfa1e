// Claude Code headless: `claude -p --output-format stream-json --verbose`, the prompt on stdin (never argv: prompts can
// be large and argv is visible in `ps`). Inside Maestro's sandbox it gets its whole toolset (bypassPermissions;
// IS_SANDBOX=1 is how Claude Code is told it is sandboxed, without which it refuses that mode as root). Outside it,
// acceptEdits: edits only, other tools are denied and reported in permission_denials, which we treat as a failure.
// `git push` is denied outright: the agent never pushes (nor could it: no credentials, no route to GitHub).
import { resolveAgentBin } from "./bin.js";
import { createClaudeCodeStreamParser } from "./parsers/claude-code-stream.js";
import { runAgentProcess } from "./run-agent.js";
import type { AgentAdapter, AgentInvocation, AgentResult, AgentRunOptions } from "./types.js";

export const CLAUDE_CODE_DISALLOWED_TOOLS = ["Bash(git push:*)"];

export const claudeCodeAdapter: AgentAdapter = {
  name: "claude-code",
  buildInvocation(opts: AgentRunOptions): AgentInvocation {
    const mode = opts.fullAccess ? "bypassPermissions" : "acceptEdits";
    const args = ["-p", "--output-format", "stream-json", "--verbose", "--permission-mode", mode];
    if (opts.maxTurns !== undefined) args.push("--max-turns", String(opts.maxTurns));
    if (opts.model) args.push("--model", opts.model);
    if (opts.systemPrompt) args.push("--append-system-prompt", opts.systemPrompt);
    args.push("--disallowedTools", ...CLAUDE_CODE_DISALLOWED_TOOLS);
    return {
      command: opts.bin ?? resolveAgentBin("claude-code", opts.baseEnv),
      args,
      stdin: opts.prompt,
      ...(opts.fullAccess ? { env: { IS_SANDBOX: "1" } } : {}),
    };
  },
  run(opts: AgentRunOptions): Promise<AgentResult> {
    const parser = createClaudeCodeStreamParser({
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.pricing ? { pricing: opts.pricing } : {}),
    });
    return runAgentProcess("claude-code", claudeCodeAdapter.buildInvocation(opts), parser, opts);
  },
};
