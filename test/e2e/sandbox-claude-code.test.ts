// Issue 11: inside the sandbox the REAL Claude Code gets its whole toolset. Against the local fake
// Messages API (reached through the sandbox's network allowlist), it runs the repository's test script
// with its Bash tool, and the task succeeds with the script's output committed.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { probeSandbox } from "../../src/sandbox/probe.js";
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest } from "../helpers/fake-anthropic.js";
import { makeTempDir } from "../helpers/git-repo.js";
import { engineFixture, ofType, runEngine, type EngineFixture } from "../helpers/engine-run.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLAUDE = path.join(ROOT, "node_modules/.bin/claude");

let fx: EngineFixture;
let fake: FakeAnthropic | undefined;
let home: string;
beforeEach(async () => {
  fx = await engineFixture({
    "package.json": JSON.stringify({ name: "sample", private: true, scripts: { test: "node check.js" } }),
    "check.js": 'console.log("checks passed: 3 of 3 in", process.cwd());\n',
  });
  home = await makeTempDir("maestro-cc-home-");
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await fx.cleanup();
  fs.rmSync(home, { recursive: true, force: true });
});

/** One Bash call that runs the repository's tests into a file, then a closing text. */
function script(req: RecordedRequest) {
  const last = JSON.stringify((req.body?.messages ?? []).at(-1)?.content ?? "");
  if (last.includes("tool_result")) return { text: "Ran the tests; output in test-output.txt." };
  return {
    text: "Running the test script.",
    toolUses: [
      { name: "Bash", input: { command: "npm test > test-output.txt 2>&1", description: "run tests" } },
    ],
  };
}

/** Starts the fake, then runs a one-task playbook ("run the tests") with Claude Code in the sandbox. */
async function runTestsTask(agentPermissions: "full" | "restricted") {
  const probe = await probeSandbox();
  if (!probe.ok) throw new Error(`the sandbox cannot start here: ${probe.problem}`);
  fake = await startFakeAnthropic(script);
  return runEngine(fx, "# Tests\n\n- [ ] Run the tests and keep their output\n", {
    agent: "claude-code",
    agentBin: CLAUDE,
    model: "claude-sonnet-4-5-20250929",
    limits: { taskTimeoutMs: 90_000, runTimeoutMs: 120_000, maxCostUsd: 5 },
    sandbox: {
      bwrap: probe.bwrap,
      socat: probe.socat,
      policy: { mode: "on", allowHosts: [], readPaths: [], agentPermissions },
    },
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: "fake-key",
      CLAUDE_CODE_MAX_RETRIES: "0",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
    },
  });
}

describe("real Claude Code in the sandbox", () => {
  it("runs the repository's test script with its Bash tool and the output is committed", async () => {
    const { result, events } = await runTestsTask("full");
    expect(result.tasks[0]?.error ?? result.error).toBeUndefined();
    expect(result.status).toBe("succeeded");
    const sha = result.tasks[0]!.sha!;
    const output = await fx.repo.git("show", `${sha}:test-output.txt`);
    expect(output).toMatch(/checks passed: 3 of 3 in \//);
    expect(ofType(events, "agent.tool").map((t) => t.name)).toEqual(["Bash"]);
    // The tool ran: its result went back to the model, not a permission denial.
    const blocks = fake!.requests
      .filter((r) => r.agent)
      .flatMap((r) => (r.body?.messages ?? []) as Array<{ content: unknown }>)
      .flatMap((m) => (Array.isArray(m.content) ? m.content : []) as Array<Record<string, unknown>>);
    const toolResult = blocks.find((b) => b.type === "tool_result");
    expect(toolResult?.is_error).toBe(false);
    expect(JSON.stringify(toolResult?.content)).not.toMatch(/permission|denied|sandbox/i);
  }, 150_000);

  it("with MAESTRO_AGENT_PERMISSIONS=restricted it keeps acceptEdits: the same Bash call is denied and the task fails", async () => {
    const { result } = await runTestsTask("restricted");
    expect(result.status).toBe("failed");
    expect(result.tasks[0]?.error).toMatch(/Bash|permission/i);
    expect(result.tasks[0]?.sha).toBeUndefined();
  }, 150_000);
});
