// OpenCode headless: `opencode run --format json [--model provider/model]`. `run` appends piped stdin to its
// message, so the prompt goes on stdin and argv carries no message. No turn-limit or system-prompt flag: maxTurns
// is not applied and the system prompt is put before the task prompt. `run` rejects every permission ask on its
// own; inside Maestro's sandbox every tool is allowed (OPENCODE_PERMISSION, appended after its defaults, last
// rule wins), outside it the shell is denied, as the other agents' edit-only modes.
export const OPENCODE_FULL_ACCESS = JSON.stringify({ "*": "allow" });
export const OPENCODE_RESTRICTED = JSON.stringify({ bash: "deny" });
import { resolveAgentBin } from "./bin.js";
import { openCodeConfiguredModel } from "./configured-model.js";
import { promptWithSystem } from "./codex.js";
import { createOpenCodeStreamParser } from "./parsers/opencode-stream.js";
import { runAgentProcess } from "./run-agent.js";
import type { AgentAdapter, AgentInvocation, AgentResult, AgentRunOptions } from "./types.js";

export const openCodeAdapter: AgentAdapter = {
  name: "opencode",
  buildInvocation(opts: AgentRunOptions): AgentInvocation {
    const args = ["run", "--format", "json"];
    if (opts.model) args.push("--model", opts.model);
    return {
      command: opts.bin ?? resolveAgentBin("opencode", opts.baseEnv),
      args,
      stdin: promptWithSystem(opts),
      env: { OPENCODE_PERMISSION: opts.fullAccess ? OPENCODE_FULL_ACCESS : OPENCODE_RESTRICTED },
    };
  },
  run(opts: AgentRunOptions): Promise<AgentResult> {
    // OpenCode's own cost wins when its provider config has prices; else its tokens are priced by this model.
    const model = opts.model ?? openCodeConfiguredModel(opts.baseEnv);
    const parser = createOpenCodeStreamParser({
      ...(model ? { model } : {}),
      ...(opts.pricing ? { pricing: opts.pricing } : {}),
    });
    return runAgentProcess("opencode", openCodeAdapter.buildInvocation(opts), parser, opts);
  },
};
