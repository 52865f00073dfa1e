// Issue 13's matrix: for each agent, success, API 401, API 500, cancel, task timeout and stall, each one run of the
// real engine (runPlaybook) with one task on a real temp repo, the agent's real CLI against its local stand-in
// (test/helpers/agent-cli-setups.ts), without the sandbox. Per scenario: the task's and the run's status, the API's
// own error text in the task's error, the run's tokens equal to what the stand-in reported (as far as the CLI
// shows it, see USAGE_VISIBILITY) and its cost equal to those tokens at the model's list price, and no process of
// the run left afterwards. The test files (test/e2e/agent-cli-matrix-*.test.ts) each take some of the agents, so
// jest runs them in parallel; inside a file the scenarios run concurrently (they mostly wait).
import { describe, expect, it } from "@jest/globals";
import path from "node:path";
import { computeCostUsd } from "../../src/agents/pricing.js";
import type { AgentName } from "../../src/agents/types.js";
import type { RunLimits } from "../../src/engine/types.js";
import type { RunStatus, TaskStatus } from "../../src/runlog/events.js";
import {
  AGENT_MODELS,
  USAGE_VISIBILITY,
  expectedEntries,
  leftoverProcessesAfter,
  listPriceOf,
  startAgentCli,
  totalsOf,
  type LeftoverProcess,
  type Step,
} from "./agent-cli-setups.js";
import type { ReportedUsage } from "./fake-api.js";
import { branchCommits, engineFixture, ofType, runEngine, type EngineRun } from "./engine-run.js";

/** The longest first, so that they overlap the others. */
export const SCENARIOS = ["task-timeout", "stall", "success", "api-401", "api-500", "cancel"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The stand-in's 500 message: distinctive, so the task error can only have it from the API's reply. */
export const SERVER_ERROR_MESSAGE = "fake upstream exploded 7f3a";
const PLAYBOOK = "# Out\n\n- [ ] Write the word ok into out.txt\n";
/** Usage with cached input (and, for Anthropic, a cache write), so every price of the model counts. */
const WRITE: Step = {
  kind: "write",
  file: "out.txt",
  content: "ok\n",
  text: "Writing the file.",
  usage: { input: 800, output: 60, cacheRead: 300, cacheWrite: 200 },
};
const CLOSING = "Wrote out.txt.";
const CLOSE: Step = { kind: "text", text: CLOSING, usage: { input: 900, output: 30, cacheRead: 1200 } };
/**
 * The task-timeout scenario's taskTimeoutMs: the CLI's start and its first reply fit in it (the timeout must hit
 * while the stand-in holds the second request). Starts on 2 loaded cores: Claude Code and Codex ≤ 3 s, Gemini CLI
 * ≤ 9 s, OpenCode up to 16 s.
 */
const TASK_TIMEOUT_MS: Record<AgentName, number> = {
  "claude-code": 12_000,
  codex: 12_000,
  gemini: 15_000,
  opencode: 25_000,
  command: 4_000,
};
/**
 * The stall scenario's stallTimeoutMs. The watchdog counts from the CLI's start and only parsed events (message,
 * tool call, usage, error) are activity, so a CLI's start is silence: Claude Code's first event is its first
 * assistant line (its `init` line is no event; > 2 s when this matrix starts all CLIs at once), Codex's is its
 * "model metadata" notice (< 1 s), Gemini CLI prints nothing before its `init` line (≈ 2 s alone, 5–9 s under
 * load), OpenCode nothing until its first model reply streams (≈ 3 s alone on 2 cores, over 15 s at load 8).
 * Each limit is above that silence, so the stall it reports is the stand-in's hang, not the start.
 */
const STALL_TIMEOUT_MS: Record<AgentName, number> = {
  "claude-code": 5_000,
  codex: 3_000,
  gemini: 10_000,
  opencode: 30_000,
  command: 2_000,
};
/** How many runs of one agent at once: the heavy CLIs' start is CPU-bound, and 2 cores are shared. */
const MAX_PARALLEL: Record<AgentName, number> = {
  "claude-code": 3,
  codex: 3,
  gemini: 2,
  opencode: 2,
  command: 6,
};

interface ScenarioSpec {
  steps: Step[];
  limits: Partial<RunLimits>;
  /** Cancel the run once the stand-in has this many agent-loop requests. */
  cancelAtRequest?: number;
  task: TaskStatus;
  run: RunStatus;
  ended: "finished" | "interrupted";
}

function specOf(agent: AgentName, scenario: Scenario): ScenarioSpec {
  switch (scenario) {
    case "success":
      return {
        steps: [WRITE, CLOSE],
        limits: {},
        task: "done",
        run: "succeeded",
        ended: "finished",
      };
    case "api-401":
      return {
        steps: [{ kind: "unauthorized" }],
        limits: {},
        task: "failed",
        run: "failed",
        ended: "finished",
      };
    case "api-500":
      return {
        steps: [{ kind: "server-error", message: SERVER_ERROR_MESSAGE }],
        limits: {},
        task: "failed",
        run: "failed",
        ended: "finished",
      };
    case "cancel":
      // The first reply is a tool call (so there is usage to count), the second never comes.
      return {
        steps: [WRITE, { kind: "slow" }],
        limits: {},
        cancelAtRequest: 2,
        task: "cancelled",
        run: "cancelled",
        ended: "interrupted",
      };
    case "task-timeout":
      return {
        steps: [WRITE, { kind: "slow" }],
        limits: { taskTimeoutMs: TASK_TIMEOUT_MS[agent] },
        task: "timeout",
        run: "timeout",
        ended: "interrupted",
      };
    case "stall":
      // The task timeout is well past the stall timeout: a missing watchdog shows as "timeout", not as a pass.
      return {
        steps: [WRITE, { kind: "hang" }],
        limits: { stallTimeoutMs: STALL_TIMEOUT_MS[agent], taskTimeoutMs: STALL_TIMEOUT_MS[agent] + 20_000 },
        task: "stalled",
        run: "failed",
        ended: "interrupted",
      };
  }
}

/**
 * The text of the API's error each agent's task error must show. Where a CLI never prints the API's own message,
 * its own words for the failure instead (the CLI's exact lines are in the comments): nothing downstream of the CLI
 * could show more.
 */
export const ERROR_TEXT: Record<AgentName, { unauthorized: RegExp; serverError: RegExp }> = {
  // 401: Claude Code 2.1.197 prints `"result":"Invalid API key · Fix external API key"` with
  // `"api_error_status":401`; the API's "invalid x-api-key" is in none of its output.
  "claude-code": { unauthorized: /Invalid API key.*401/, serverError: /fake upstream exploded 7f3a/ },
  // 500: Codex 0.171 prints `{"type":"error","message":"We’re currently experiencing high demand, which may cause
  // temporary errors."}` for any 5xx, whatever the body says.
  codex: { unauthorized: /Incorrect API key provided/, serverError: /high demand/ },
  gemini: {
    unauthorized: /API key not valid\. Please pass a valid API key\./,
    serverError: /fake upstream exploded 7f3a/,
  },
  opencode: { unauthorized: /Incorrect API key provided/, serverError: /fake upstream exploded 7f3a/ },
  command: { unauthorized: /Incorrect API key provided/, serverError: /fake upstream exploded 7f3a/ },
};

/** What each agent's stall error can name as the last thing the agent did: its edit tool, or its text before. */
const LAST_ACTION: Record<AgentName, RegExp> = {
  "claude-code": /Write|Writing the file/,
  codex: /shell|printf|Writing the file/,
  gemini: /write_file|Writing the file/,
  opencode: /apply_patch|Writing the file/,
  command: /write|Writing the file/,
};

export interface ScenarioOutcome {
  run: EngineRun;
  reported: ReportedUsage[];
  agentRequests: number;
  leftovers: LeftoverProcess[];
  branchFiles?: { sha: string; out: string };
  wallMs: number;
}

/** Runs one agent × scenario through the engine and collects what the assertions need. */
export async function runScenario(agent: AgentName, scenario: Scenario): Promise<ScenarioOutcome> {
  const spec = specOf(agent, scenario);
  const started = Date.now();
  const fx = await engineFixture({ "README.md": "# sample\n" });
  const runId = `rm${Math.random().toString(16).slice(2, 13).padEnd(11, "0")}`;
  const worktree = path.join(fx.dataDir, "worktrees", runId);
  const cli = await startAgentCli(agent, { steps: spec.steps, worktree });
  const cancel = new AbortController();
  if (spec.cancelAtRequest) {
    void cli.fake.waitForAgentRequest(spec.cancelAtRequest).then(() => cancel.abort());
  }
  try {
    const run = await runEngine(fx, PLAYBOOK, {
      runId,
      ...cli.options,
      limits: { taskTimeoutMs: 60_000, runTimeoutMs: 90_000, ...spec.limits },
      signal: cancel.signal,
    });
    const leftovers = await leftoverProcessesAfter([...cli.markers, fx.repo.dir, fx.dataDir], 1000);
    let branchFiles: ScenarioOutcome["branchFiles"];
    if (run.result.status === "succeeded") {
      const commits = await branchCommits(fx.repo, run.result.branch);
      const sha = commits[0]?.sha ?? "";
      branchFiles = { sha, out: sha ? await fx.repo.git("show", `${sha}:out.txt`).catch(() => "") : "" };
    }
    return {
      run,
      reported: [...cli.fake.reported],
      agentRequests: cli.fake.requests.filter((r) => r.agent).length,
      leftovers,
      ...(branchFiles ? { branchFiles } : {}),
      wallMs: Date.now() - started,
    };
  } finally {
    await cli.close();
    await fx.cleanup();
  }
}

/** A readable summary of a run for failure messages. */
function describeRun(o: ScenarioOutcome): string {
  const { result, events } = o.run;
  const errors = ofType(events, "agent.message")
    .filter((m) => m.role === "error" || m.role === "system")
    .map((m) => `  ${m.role}: ${m.text.slice(0, 300)}`);
  return [
    `run ${result.status} in ${result.durationMs} ms, task ${result.tasks[0]?.status}: ${result.tasks[0]?.error ?? "(no error)"}`,
    `tokens ${JSON.stringify(result.tokens)} cost ${result.costUsd}`,
    `stand-in reported ${JSON.stringify(o.reported)}`,
    ...errors,
  ].join("\n");
}

export function assertScenario(agent: AgentName, scenario: Scenario, o: ScenarioOutcome): void {
  const spec = specOf(agent, scenario);
  const { result, events } = o.run;
  const task = result.tasks[0];
  const context = describeRun(o);

  // Status of the task and of the run.
  expect({ task: task?.status, run: result.status, context }).toEqual({
    task: spec.task,
    run: spec.run,
    context,
  });
  const finished = ofType(events, "task.finished");
  expect(finished.map((f) => f.status)).toEqual([spec.task]);

  switch (scenario) {
    case "success":
      expect(task?.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(o.branchFiles).toEqual({ sha: task?.sha, out: "ok" });
      expect(task?.summary).toBe(CLOSING);
      expect(task?.error).toBeUndefined();
      break;
    case "api-401":
    case "api-500": {
      const text = scenario === "api-401" ? ERROR_TEXT[agent].unauthorized : ERROR_TEXT[agent].serverError;
      expect({ error: task?.error, context }).toEqual({ error: expect.stringMatching(text), context });
      // Every agent-loop request got the failure (the CLIs' own retries included): no success slipped in.
      expect(o.reported.filter((u) => u.agent)).toEqual([]);
      if (scenario === "api-401" && agent !== "command") {
        // The agent's error event was classified as an auth failure ("auth: …" in the run log).
        const errors = ofType(events, "agent.message").filter((m) => m.role === "error");
        expect(errors.map((m) => m.text)).toContainEqual(expect.stringMatching(/^auth: /));
      }
      break;
    }
    case "cancel":
      expect(task?.error).toMatch(/cancel/i);
      break;
    case "task-timeout":
      // The first reply (a tool call) came, the second never did: the timeout, not the CLI's start, ended it.
      expect({ secondRequest: o.agentRequests >= 2, context }).toEqual({ secondRequest: true, context });
      expect(task?.error).toMatch(/timed out|timeout/i);
      break;
    case "stall":
      // It stalled on the stand-in's hang (the second reply), not while it started.
      expect({ secondRequest: o.agentRequests >= 2, context }).toEqual({ secondRequest: true, context });
      expect(task?.error).toMatch(/stall/i);
      expect({ error: task?.error, context }).toEqual({
        error: expect.stringMatching(LAST_ACTION[agent]),
        context,
      });
      break;
  }

  // Usage and cost: what the stand-in reported, as far as the CLI shows it, at the model's list price.
  const entries = expectedEntries(agent, o.reported, spec.ended);
  const want = totalsOf(entries);
  if (spec.ended === "interrupted" && USAGE_VISIBILITY[agent].interrupted === "input") {
    // Claude Code's assistant lines carry the usage of the reply's first event: input and cache exact, output
    // as counted then (≥ 1 per reply, ≤ the final count that came only with the result line).
    const { output, ...rest } = result.tokens;
    const { output: wantOutput, ...wantRest } = want;
    expect({ tokens: rest, context }).toEqual({ tokens: wantRest, context });
    expect(output).toBeLessThanOrEqual(wantOutput);
    expect(output).toBeGreaterThanOrEqual(entries.length);
    const priced = computeCostUsd(
      {
        inputTokens: result.tokens.input,
        outputTokens: result.tokens.output,
        cacheReadTokens: result.tokens.cacheRead,
        cacheWriteTokens: result.tokens.cacheWrite,
      },
      entries[0]?.model ?? AGENT_MODELS[agent],
    );
    expect(result.costUsd).toBeCloseTo(priced.costUsd, 6);
  } else {
    expect({ tokens: result.tokens, context }).toEqual({ tokens: want, context });
    expect(result.costUsd).toBeCloseTo(entries.length > 0 ? listPriceOf(entries) : 0, 6);
  }
  if (scenario === "success") expect(result.costUsd).toBeGreaterThan(0);

  // No process of the run is left.
  expect(o.leftovers).toEqual([]);
}

/** A counting semaphore: `run` waits for one of `slots`. */
function limiter(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let free = slots;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/** Declares the matrix for `agents`: one concurrent test per agent × scenario. */
export function defineAgentMatrix(agents: AgentName[]): void {
  for (const agent of agents) {
    const slot = limiter(MAX_PARALLEL[agent]);
    describe(`${agent} against its stand-in API`, () => {
      for (const scenario of SCENARIOS) {
        it.concurrent(
          scenario,
          async () => {
            const outcome = await slot(() => runScenario(agent, scenario));
            const task = outcome.run.result.tasks[0];
            process.stdout.write(
              `[matrix] ${agent} ${scenario}: ${task?.status} in ${outcome.wallMs} ms; ` +
                `tokens ${JSON.stringify(outcome.run.result.tokens)} $${outcome.run.result.costUsd}; ` +
                `error: ${task?.error ?? "-"}\n`,
            );
            assertScenario(agent, scenario, outcome);
          },
          180_000,
        );
      }
    });
  }
}
