// The real Claude Code binary, run by the claude-code adapter against a local fake Messages API.
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { claudeCodeAdapter } from "../../../src/agents/claude-code.js";
import type { AgentEvent, AgentRunOptions } from "../../../src/agents/types.js";
import { startFakeAnthropic, type FakeAnthropic, type FakeScript } from "../../helpers/fake-anthropic.js";

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CLAUDE = join(ROOT, "node_modules/.bin/claude");
const SECRET = "ghs_TOKEN_THAT_MUST_NOT_LEAK_1234567890";

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Live processes whose cwd is inside `dir` (Claude Code and anything it spawned there). */
function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const state = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.[0];
      if (cwd.startsWith(dir) && state !== "Z") pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

function gitRepo(): string {
  const dir = tempDir("maestro-cc-repo-");
  execFileSync("git", ["init", "-q", dir]);
  return dir;
}

async function run(makeScript: (repo: string) => FakeScript, extra: Partial<AgentRunOptions> = {}) {
  const repo = gitRepo();
  const home = tempDir("maestro-cc-home-");
  fake = await startFakeAnthropic(makeScript(repo));
  const events: AgentEvent[] = [];
  const result = await claudeCodeAdapter.run({
    prompt: "Create hello.txt containing a greeting.",
    cwd: repo,
    model: "claude-sonnet-4-5-20250929",
    maxTurns: 10,
    timeoutMs: 90_000,
    signal: new AbortController().signal,
    baseEnv: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: "fake",
      CLAUDE_CODE_MAX_RETRIES: "0",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      CLAUDE_CONFIG_DIR: join(home, ".claude"),
      GITHUB_TOKEN: SECRET,
      GH_TOKEN: SECRET,
    },
    onEvent: (e) => events.push(e),
    runId: "run-cc",
    taskIndex: 0,
    bin: CLAUDE,
    ...extra,
  });
  return { repo, events, result, fake };
}

describe("claude-code adapter with the real Claude Code binary", () => {
  it("edits a file in the worktree through a Write tool call and reports usage from the result line", async () => {
    const { repo, events, result, fake } = await run((repo) => [
      {
        text: "I'll create hello.txt now.",
        toolUses: [
          { name: "Write", input: { file_path: join(repo, "hello.txt"), content: "hello from maestro\n" } },
        ],
        usage: {
          input_tokens: 1200,
          output_tokens: 85,
          cache_read_input_tokens: 3000,
          cache_creation_input_tokens: 400,
        },
      },
      {
        text: "Created hello.txt with a greeting.",
        usage: { input_tokens: 1400, output_tokens: 25, cache_read_input_tokens: 3400 },
      },
    ]);
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("ok");
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(repo, "hello.txt"), "utf8")).toBe("hello from maestro\n");
    expect(result.summary).toBe("Created hello.txt with a greeting.");
    // the result line's modelUsage: the two scripted agent replies plus Claude Code's side request (10 in, 3 out)
    expect(result.usage).toMatchObject({
      inputTokens: 2610,
      outputTokens: 113,
      cacheReadTokens: 6400,
      cacheWriteTokens: 400,
    });
    // claude-sonnet-4-5 prices for those tokens, plus Claude Code's own small side requests (titles), if any
    const agentCost = (2600 * 3 + 110 * 15 + 6400 * 0.3 + 400 * 3.75) / 1e6;
    expect(result.usage.costUsd).toBeGreaterThanOrEqual(agentCost - 1e-6);
    expect(result.usage.costUsd).toBeLessThan(agentCost + 0.001);
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: "tool",
        name: "Write",
        input: expect.objectContaining({ file_path: join(repo, "hello.txt") }),
      }),
    );
    expect(events.filter((e) => e.kind === "message").map((e) => (e as { text: string }).text)).toContain(
      "I'll create hello.txt now.",
    );
    const lastUsage = events.filter((e) => e.kind === "usage").at(-1);
    expect(lastUsage).toMatchObject(result.usage);

    // the prompt went in over stdin and reached the model; the model asked for is the one used
    const agentRequests = fake.requests.filter((r) => r.agent);
    expect(agentRequests).toHaveLength(2);
    expect(JSON.stringify(agentRequests[0]!.body.messages)).toContain(
      "Create hello.txt containing a greeting.",
    );
    expect(agentRequests[0]!.body.model).toBe("claude-sonnet-4-5-20250929");
    // the installation token never left the worker
    expect(JSON.stringify(fake.requests.map((r) => [r.headers, r.body]))).not.toContain(SECRET);
  });

  it("stops the agent mid-task when the caller aborts on a usage event (cost cap), within one turn", async () => {
    const ac = new AbortController();
    const CAP = 0.5;
    let turnAtCap: number | undefined;
    const {
      result,
      fake: server,
      repo,
    } = await run(
      (repo: string): FakeScript =>
        (_req, turn) => ({
          toolUses: [
            { name: "Write", input: { file_path: join(repo, `f${turn}.txt`), content: `${turn}\n` } },
          ],
          usage: { input_tokens: 100_000, output_tokens: 1000 }, // $0.315 per turn at sonnet prices
        }),
      {
        signal: ac.signal,
        killGraceMs: 1000,
        maxTurns: 50,
        onEvent: (e) => {
          if (e.kind === "usage" && e.costUsd > CAP && turnAtCap === undefined) {
            turnAtCap = fake!.requests.filter((r) => r.agent).length;
            ac.abort();
          }
        },
      },
    );
    expect(result.status).toBe("cancelled");
    expect(turnAtCap).toBeDefined();
    expect(result.usage.costUsd).toBeGreaterThan(CAP);
    const turns = server.requests.filter((r) => r.agent).length;
    expect(turns).toBeLessThanOrEqual(turnAtCap! + 1);
    expect(existsSync(join(repo, "f0.txt"))).toBe(true);
    expect(processesIn(repo)).toEqual([]);
  });

  it("maps an API 429 to a rate_limit failure", async () => {
    const { result } = await run(() => [
      {
        error: {
          status: 429,
          type: "rate_limit_error",
          message: "Number of request tokens has exceeded your per-minute rate limit",
        },
      },
    ]);
    expect(result).toMatchObject({ status: "failed", errorCode: "rate_limit" });
    expect(result.error).toContain("429");
  });

  it("fails a session that tried to git push (denied), naming the denied command", async () => {
    const { result } = await run(() => [
      { toolUses: [{ name: "Bash", input: { command: "git push origin HEAD", description: "push" } }] },
      { text: "I could not push." },
    ]);
    expect(result.status).toBe("failed");
    expect(result.exitCode).toBe(0);
    expect(result.error).toContain("Bash(git push origin HEAD)");
  });
});
