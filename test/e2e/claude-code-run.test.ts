// Issue 5 §5: a `/maestro run NAME` comment → the real `maestro serve` runs the REAL Claude Code CLI as the agent,
// pointed by its environment at a local fake Anthropic Messages API (SSE) that scripts one session: a Write
// tool_use creating a file in the worktree, then a closing text. End state: the run succeeded, the edit is
// committed on the remote branch, a draft PR, and the run log's usage and cost are Claude Code's own (its
// `result` line), not Maestro's estimate: the repo config prices the model at 10×, so an estimate would show.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import path from "node:path";
import {
  startFakeAnthropic,
  type FakeAnthropic,
  type FakeReply,
  type RecordedRequest,
} from "../helpers/fake-anthropic.js";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLAUDE = path.join(ROOT, "node_modules/.bin/claude");
const MODEL = "claude-sonnet-4-5-20250929";
/** Anthropic's list price of Claude Sonnet 4.5, USD per million tokens: what Claude Code charges itself. */
const SONNET_45 = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const PAGE = "# Hello\n\nWritten by Claude Code through Maestro.\n";

const PLAYBOOK = `# Hello page

- [ ] Write a hello page at docs/hello.md
`;

/** Claude Code says where it runs in its system prompt; the Write must name a file there (absolute path). */
function workingDirectory(req: RecordedRequest): string {
  const system = req.body?.system as string | Array<{ text?: string }> | undefined;
  const text = typeof system === "string" ? system : (system ?? []).map((b) => b.text ?? "").join("\n");
  const m = /Primary working directory: (.+)/.exec(text);
  if (!m) throw new Error("fake Anthropic: no working directory in Claude Code's system prompt");
  return m[1]!.trim();
}

let world: E2EWorld;
let fake: FakeAnthropic;
/** What the fake API answered to the agent loop, in order. */
const served: FakeReply[] = [];

beforeAll(async () => {
  fake = await startFakeAnthropic((req) => {
    const messages = (req.body?.messages ?? []) as Array<{ content: unknown }>;
    const afterTool = JSON.stringify(messages.at(-1)?.content ?? "").includes("tool_result");
    const reply: FakeReply = afterTool
      ? {
          text: "Wrote docs/hello.md.",
          usage: { input_tokens: 900, output_tokens: 30, cache_read_input_tokens: 1200 },
        }
      : {
          text: "Writing the page.",
          toolUses: [
            { name: "Write", input: { file_path: `${workingDirectory(req)}/docs/hello.md`, content: PAGE } },
          ],
          usage: { input_tokens: 800, output_tokens: 60, cache_creation_input_tokens: 400 },
        };
    served.push(reply);
    return reply;
  });
  world = await startE2EWorld({
    env: {
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: "sk-ant-fake-e2e",
      CLAUDE_CODE_MAX_RETRIES: "0",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      MAESTRO_CLAUDE_CODE_BIN: CLAUDE,
    },
  });
}, 60_000);

afterAll(async () => {
  await world?.close();
  await fake?.close();
}, 60_000);

type Event = Record<string, unknown> & { type: string };

describe("end to end: maestro serve with the real Claude Code CLI", () => {
  it("a `/maestro run NAME` comment runs Claude Code, commits its edit and reports its own usage and cost", async () => {
    const { gh } = world;
    const repo = await world.makeRepo("claude-code-run", {
      playbooks: { hello: PLAYBOOK },
      config: [
        "agent: claude-code",
        `model: ${MODEL}`,
        "limits:",
        "  maxConcurrentRuns: 10",
        "  taskTimeoutMinutes: 2",
        // Maestro's own estimate for this model would be 10× Claude Code's: the cost must not come from here.
        "pricing:",
        `  ${MODEL}: { input: 30, output: 150, cacheRead: 3, cacheWrite: 37.5 }`,
        "",
      ].join("\n"),
    });
    const issue = gh.createIssue(repo, { title: "A hello page", user: "alice" });
    const { runId } = await world.comment(repo, issue.number, "/maestro run hello");
    const job = await world.waitForJob(runId);
    const log = world.runLog(runId) as Event[];
    expect({ job, serve: job.state === "completed" ? "" : world.serve.output().slice(-3000) }).toMatchObject({
      job: { state: "completed", result: { status: "succeeded", tasksDone: 1, tasksTotal: 1 } },
      serve: "",
    });

    // The agent's edit, committed by Maestro and pushed: one commit on the run's branch.
    const branch = `maestro/${issue.number}-hello-${runId.slice(0, 8)}`;
    expect(await gh.branches(repo)).toEqual(expect.arrayContaining(["main", branch]));
    const commits = await gh.branchCommits(repo, branch);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.message).toContain(`Maestro-Run: ${runId}`);
    expect(await gh.git(repo, "show", `${branch}:docs/hello.md`)).toBe(PAGE.trimEnd());
    expect(await gh.git(repo, "show", "--name-only", "--format=", branch)).toBe("docs/hello.md");

    // The draft PR.
    expect(gh.pulls(repo)).toEqual([
      expect.objectContaining({ head: branch, base: "main", draft: true, state: "open" }),
    ]);

    // One Claude Code session: the tool call and the closing text, no second call for a summary.
    expect(served).toHaveLength(2);
    expect(fake.requests.filter((r) => r.agent)).toHaveLength(2);
    expect(fake.requests.find((r) => r.agent)!.body.model).toBe(MODEL);
    expect(log.filter((e) => e.type === "agent.tool")).toEqual([
      expect.objectContaining({ index: 0, name: "Write" }),
    ]);

    // Usage: the token counts the fake API reported, summed by Claude Code in its result line; the cost is
    // Claude Code's (list price), not Maestro's estimate (the config's 10× price).
    const sum = (k: keyof NonNullable<FakeReply["usage"]>) =>
      served.reduce((s, r) => s + (r.usage?.[k] ?? 0), 0);
    const tokens = {
      inputTokens: sum("input_tokens"),
      outputTokens: sum("output_tokens"),
      cacheReadTokens: sum("cache_read_input_tokens"),
      cacheWriteTokens: sum("cache_creation_input_tokens"),
    };
    expect(tokens).toEqual({
      inputTokens: 1700,
      outputTokens: 90,
      cacheReadTokens: 1200,
      cacheWriteTokens: 400,
    });
    const listPrice =
      (tokens.inputTokens * SONNET_45.input +
        tokens.outputTokens * SONNET_45.output +
        tokens.cacheReadTokens * SONNET_45.cacheRead +
        tokens.cacheWriteTokens * SONNET_45.cacheWrite) /
      1e6;
    const usage = log.filter((e) => e.type === "agent.usage");
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ index: 0, ...tokens });
    expect(usage[0]!.costUsd).toBeCloseTo(listPrice, 8);

    const finished = log.find((e) => e.type === "run.finished");
    expect(finished).toMatchObject({
      status: "succeeded",
      tasksDone: 1,
      tasksTotal: 1,
      tokens: {
        input: tokens.inputTokens,
        output: tokens.outputTokens,
        cacheRead: tokens.cacheReadTokens,
        cacheWrite: tokens.cacheWriteTokens,
      },
    });
    expect(finished!.costUsd).toBeGreaterThan(0);
    expect(finished!.costUsd).toBeCloseTo(listPrice, 8);
    expect(log.find((e) => e.type === "task.finished")).toMatchObject({ index: 0, status: "done" });

    // The installation token never reached the model API.
    const sent = JSON.stringify(fake.requests);
    for (const { token } of gh.tokensIssued()) expect(sent).not.toContain(token);
    expect(gh.problems()).toEqual([]);
  }, 90_000);
});
