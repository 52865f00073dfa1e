// The whole engine with the REAL Claude Code CLI against a local fake Messages API:
// 3 tasks → 3 fresh sessions → 3 commits, usage and cost from Claude Code's own result lines.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest } from "../helpers/fake-anthropic.js";
import { makeTempDir } from "../helpers/git-repo.js";
import {
  branchCommits,
  engineFixture,
  ofType,
  runEngine,
  type EngineFixture,
} from "../helpers/engine-run.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLAUDE = path.join(ROOT, "node_modules/.bin/claude");

let fx: EngineFixture;
let fake: FakeAnthropic | undefined;
let home: string;
beforeEach(async () => {
  fx = await engineFixture({ "README.md": "# sample\n" });
  home = await makeTempDir("maestro-cc-home-");
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await fx.cleanup();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Each session: one Write of notes-<n>.txt into the worktree, then a closing text. */
function scriptFor(worktree: string) {
  let session = -1;
  return (req: RecordedRequest) => {
    const messages = (req.body?.messages ?? []) as Array<{ content: unknown }>;
    const last = JSON.stringify(messages.at(-1)?.content ?? "");
    if (last.includes("tool_result"))
      return { text: `Wrote notes-${session}.txt.`, usage: { input_tokens: 900, output_tokens: 30 } };
    session += 1;
    return {
      text: "Writing the notes file.",
      toolUses: [
        {
          name: "Write",
          input: { file_path: path.join(worktree, `notes-${session}.txt`), content: `notes ${session}\n` },
        },
      ],
      usage: { input_tokens: 800, output_tokens: 60 },
    };
  };
}

describe("engine + real Claude Code", () => {
  it("runs a 3-task playbook as 3 sessions and 3 commits, with cost from the result lines", async () => {
    const runId = "rcc0000000001";
    const worktree = path.join(fx.dataDir, "worktrees", runId);
    fake = await startFakeAnthropic(scriptFor(worktree));
    const secret = "ghs_" + "Z".repeat(36);
    const { result, events, logText } = await runEngine(
      fx,
      "# Notes\n\n- [ ] Write the first notes file\n- [ ] Write the second notes file\n- [ ] Write the third notes file\n",
      {
        runId,
        agent: "claude-code",
        agentBin: CLAUDE,
        model: "claude-sonnet-4-5-20250929",
        limits: { taskTimeoutMs: 90_000, runTimeoutMs: 240_000, maxCostUsd: 5 },
        env: {
          PATH: process.env.PATH,
          HOME: home,
          ANTHROPIC_BASE_URL: fake.url,
          ANTHROPIC_API_KEY: "fake-key",
          CLAUDE_CODE_MAX_RETRIES: "0",
          DISABLE_TELEMETRY: "1",
          DISABLE_AUTOUPDATER: "1",
          CLAUDE_CONFIG_DIR: path.join(home, ".claude"),
          GITHUB_TOKEN: secret,
        },
        logSecrets: [secret],
      },
    );
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("succeeded");
    const commits = await branchCommits(fx.repo, result.branch);
    expect(commits.map((c) => c.task)).toEqual(["0", "1", "2"]);
    for (const [i, c] of commits.entries()) {
      expect(await fx.repo.git("show", `${c.sha}:notes-${i}.txt`)).toBe(`notes ${i}`);
    }
    // Exactly one agent session per task: 2 agent requests each (tool call + closing text), no extra summary call.
    expect(fake.requests.filter((r) => r.agent)).toHaveLength(6);
    const usage = ofType(events, "agent.usage");
    expect(usage).toHaveLength(3);
    usage.forEach((u) => expect(u.costUsd).toBeGreaterThan(0));
    expect(result.costUsd).toBeCloseTo(
      usage.reduce((s, u) => s + u.costUsd, 0),
      6,
    );
    expect(ofType(events, "agent.tool").map((t) => t.name)).toEqual(["Write", "Write", "Write"]);
    // The installation token was in the worker's env: it reached neither the model API nor the log.
    expect(JSON.stringify(fake.requests)).not.toContain(secret);
    expect(logText).not.toContain(secret);
  }, 240_000);
});
