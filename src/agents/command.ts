// The generic `command` agent (DESIGN §8): `sh -c agentCommand` in the worktree, the prompt on stdin and in the file
// named by MAESTRO_PROMPT_FILE (a private temp dir outside the worktree, removed afterwards), env MAESTRO_RUN_ID,
// MAESTRO_TASK_INDEX, MAESTRO_WORKTREE (+ MAESTRO_MODEL). Exit 0 = task done. Inherited env: the base allowlist
// plus MAESTRO_AGENT_* (the operator's channel for the command's own settings).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCommandStreamParser } from "./parsers/command-stream.js";
import { failedBeforeStart, runAgentProcess } from "./run-agent.js";
import type { AgentAdapter, AgentInvocation, AgentResult, AgentRunOptions } from "./types.js";

export const commandAdapter: AgentAdapter = {
  name: "command",
  buildInvocation(opts: AgentRunOptions): AgentInvocation {
    const cmd = opts.agentCommand?.trim();
    if (!cmd) {
      throw new Error(
        "agent 'command' needs a command to run: set agentCommand in .github/maestro.yml or pass --agent-command",
      );
    }
    const env: Record<string, string> = {
      MAESTRO_RUN_ID: opts.runId,
      MAESTRO_TASK_INDEX: String(opts.taskIndex),
      MAESTRO_WORKTREE: opts.cwd,
    };
    if (opts.model) env.MAESTRO_MODEL = opts.model;
    return { command: opts.bin ?? "sh", args: ["-c", cmd], stdin: opts.prompt, env };
  },
  async run(opts: AgentRunOptions): Promise<AgentResult> {
    let invocation: AgentInvocation;
    try {
      invocation = commandAdapter.buildInvocation(opts);
    } catch (err) {
      return failedBeforeStart((err as Error).message);
    }
    // In the sandbox the prompt file must be where the sandbox can read it: its private tmp.
    const dir = await mkdtemp(join(opts.sandbox?.tmpDir ?? tmpdir(), "maestro-prompt-"));
    const promptFile = join(dir, "prompt.md");
    try {
      await writeFile(promptFile, opts.prompt, { mode: 0o600 });
      const parser = createCommandStreamParser({
        ...(opts.model ? { model: opts.model } : {}),
        ...(opts.pricing ? { pricing: opts.pricing } : {}),
      });
      return await runAgentProcess(
        "command",
        { ...invocation, env: { ...invocation.env, MAESTRO_PROMPT_FILE: promptFile } },
        parser,
        opts,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
