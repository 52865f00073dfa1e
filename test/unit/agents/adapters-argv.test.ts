import { describe, expect, it } from "@jest/globals";
import { AGENT_NAMES, type AgentRunOptions } from "../../../src/agents/types.js";
import { getAgentAdapter, resolveAgentBin } from "../../../src/agents/registry.js";

const PROMPT = "Implement the parser.\nSECRET-PROMPT-MARKER with 'quotes' and $(subshell)";

function opts(extra: Partial<AgentRunOptions> = {}): AgentRunOptions {
  return {
    prompt: PROMPT,
    cwd: "/tmp/wt",
    timeoutMs: 1000,
    signal: new AbortController().signal,
    baseEnv: { PATH: "/usr/bin" },
    onEvent: () => {},
    runId: "run-1",
    taskIndex: 2,
    ...extra,
  };
}

describe("adapter invocations", () => {
  it("never put the prompt in argv; it goes on stdin", () => {
    for (const name of AGENT_NAMES) {
      const inv = getAgentAdapter(name).buildInvocation(
        opts({ agentCommand: "./agent.sh", model: "m", systemPrompt: "SYS" }),
      );
      expect(inv.args.join(" ")).not.toContain("SECRET-PROMPT-MARKER");
      expect(inv.stdin).toContain("SECRET-PROMPT-MARKER");
    }
  });

  it("claude-code: the documented headless argv, flags only when given", () => {
    const adapter = getAgentAdapter("claude-code");
    const bare = adapter.buildInvocation(opts());
    expect(bare.command).toBe("claude");
    expect(bare.args.slice(0, 6)).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "acceptEdits",
    ]);
    expect(bare.args).not.toContain("--model");
    expect(bare.args).not.toContain("--max-turns");
    expect(bare.args).not.toContain("--append-system-prompt");
    expect(bare.args.slice(-2)).toEqual(["--disallowedTools", "Bash(git push:*)"]);
    expect(bare.stdin).toBe(PROMPT);

    const full = adapter.buildInvocation(
      opts({ model: "claude-sonnet-4-5", maxTurns: 30, systemPrompt: "Be brief." }),
    );
    const at = (flag: string) => full.args[full.args.indexOf(flag) + 1];
    expect(at("--model")).toBe("claude-sonnet-4-5");
    expect(at("--max-turns")).toBe("30");
    expect(at("--append-system-prompt")).toBe("Be brief.");
    // --disallowedTools is variadic: nothing may follow its values
    expect(full.args.at(-2)).toBe("--disallowedTools");
  });

  it("codex: exec --json with a workspace-write sandbox, prompt from stdin ('-')", () => {
    const inv = getAgentAdapter("codex").buildInvocation(opts({ model: "gpt-5", systemPrompt: "SYS" }));
    expect(inv.command).toBe("codex");
    expect(inv.args).toEqual(["exec", "--json", "--sandbox", "workspace-write", "--model", "gpt-5", "-"]);
    expect(inv.stdin).toBe(`SYS\n\n${PROMPT}`);
    expect(getAgentAdapter("codex").buildInvocation(opts()).args).not.toContain("--model");
  });

  it("opencode: run --format json with no message in argv", () => {
    const inv = getAgentAdapter("opencode").buildInvocation(opts({ model: "anthropic/claude-sonnet-4-5" }));
    expect(inv.command).toBe("opencode");
    expect(inv.args).toEqual(["run", "--format", "json", "--model", "anthropic/claude-sonnet-4-5"]);
    expect(getAgentAdapter("opencode").buildInvocation(opts()).args).toEqual(["run", "--format", "json"]);
  });

  it("gemini: stream-json, auto_edit, a fixed -p instruction, trusted workspace", () => {
    const inv = getAgentAdapter("gemini").buildInvocation(opts({ model: "gemini-2.5-pro" }));
    expect(inv.command).toBe("gemini");
    expect(inv.args).toEqual([
      "--output-format",
      "stream-json",
      "--approval-mode",
      "auto_edit",
      "--model",
      "gemini-2.5-pro",
      "-p",
      "Carry out the task described above.",
    ]);
    expect(inv.env).toEqual({ GEMINI_CLI_TRUST_WORKSPACE: "true" });
  });

  it("command: sh -c with the run's env; a clear error without agentCommand", () => {
    const adapter = getAgentAdapter("command");
    const inv = adapter.buildInvocation(opts({ agentCommand: "./agent.sh --fast", model: "m1" }));
    expect(inv).toMatchObject({ command: "sh", args: ["-c", "./agent.sh --fast"], stdin: PROMPT });
    expect(inv.env).toEqual({
      MAESTRO_RUN_ID: "run-1",
      MAESTRO_TASK_INDEX: "2",
      MAESTRO_WORKTREE: "/tmp/wt",
      MAESTRO_MODEL: "m1",
    });
    expect(adapter.buildInvocation(opts({ agentCommand: "x" })).env).not.toHaveProperty("MAESTRO_MODEL");
    expect(() => adapter.buildInvocation(opts())).toThrow(/agentCommand/);
  });

  it("full access (only ever inside the sandbox): every agent's whole toolset, edit-only modes otherwise", () => {
    const full = (name: (typeof AGENT_NAMES)[number]) =>
      getAgentAdapter(name).buildInvocation(opts({ fullAccess: true }));
    const claude = full("claude-code");
    expect(claude.args.join(" ")).toContain("--permission-mode bypassPermissions");
    expect(claude.env).toEqual({ IS_SANDBOX: "1" });
    expect(getAgentAdapter("claude-code").buildInvocation(opts()).env ?? {}).not.toHaveProperty("IS_SANDBOX");
    expect(full("codex").args).toEqual(["exec", "--json", "--dangerously-bypass-approvals-and-sandbox", "-"]);
    expect(full("codex").args).not.toContain("--sandbox");
    expect(full("opencode").env).toEqual({ OPENCODE_PERMISSION: '{"*":"allow"}' });
    expect(getAgentAdapter("opencode").buildInvocation(opts()).env).toEqual({
      OPENCODE_PERMISSION: '{"bash":"deny"}',
    });
    expect(full("gemini").args.slice(0, 4)).toEqual([
      "--output-format",
      "stream-json",
      "--approval-mode",
      "yolo",
    ]);
  });

  it("uses opts.bin when given", () => {
    expect(getAgentAdapter("codex").buildInvocation(opts({ bin: "/opt/codex" })).command).toBe("/opt/codex");
  });
});

describe("registry", () => {
  it("has one adapter per agent name, named after it", () => {
    for (const name of AGENT_NAMES) expect(getAgentAdapter(name).name).toBe(name);
    expect(() => getAgentAdapter("nope" as never)).toThrow(/unknown agent 'nope'/);
  });

  it("resolveAgentBin honours MAESTRO_<AGENT>_BIN, else the CLI name", () => {
    const env = {
      MAESTRO_CLAUDE_CODE_BIN: "/opt/claude",
      MAESTRO_CODEX_BIN: "/opt/codex",
      MAESTRO_OPENCODE_BIN: "/opt/opencode",
      MAESTRO_GEMINI_BIN: "/opt/gemini",
    };
    expect(AGENT_NAMES.map((n) => resolveAgentBin(n, env))).toEqual([
      "/opt/claude",
      "/opt/codex",
      "/opt/opencode",
      "/opt/gemini",
      "sh",
    ]);
    expect(AGENT_NAMES.map((n) => resolveAgentBin(n, {}))).toEqual([
      "claude",
      "codex",
      "opencode",
      "gemini",
      "sh",
    ]);
    expect(resolveAgentBin("codex", { MAESTRO_CODEX_BIN: "  " })).toBe("codex");
    expect(getAgentAdapter("claude-code").buildInvocation(opts({ baseEnv: env })).command).toBe(
      "/opt/claude",
    );
  });
});
