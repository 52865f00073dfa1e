// The five agents as the engine runs them, each against a local stand-in of its model API, configured the way an
// operator would (nothing in Maestro knows it is a test): Claude Code (Messages API, ANTHROPIC_BASE_URL), Codex
// (Responses API, a `model_providers` entry in CODEX_HOME/config.toml), Gemini CLI (streamGenerateContent,
// GOOGLE_GEMINI_BASE_URL + API-key auth in its user settings), OpenCode (Chat Completions, an
// `@ai-sdk/openai-compatible` provider in OPENCODE_CONFIG_CONTENT) and the `command` agent
// (test/fixtures/agents/chat-agent.mjs, a tiny model loop against the Chat Completions stand-in).
// A script is written once, vendor-neutral (`Step`s), and turned into each fake's replies. Also here: what each
// CLI lets Maestro see of the usage the stand-in reported, and a /proc scan for processes a run left behind.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { computeCostUsd, roundUsd } from "../../src/agents/pricing.js";
import type { AgentName } from "../../src/agents/types.js";
import type { RunPlaybookOptions } from "../../src/engine/types.js";
import {
  ANTHROPIC_UNAUTHORIZED,
  anthropicServerError,
  startFakeAnthropic,
  type FakeReply,
} from "./fake-anthropic.js";
import type { FakeApi, FakeFault, ReportedUsage } from "./fake-api.js";
import {
  GEMINI_INVALID_KEY,
  geminiServerError,
  startFakeGemini,
  type FakeGeminiReply,
} from "./fake-gemini.js";
import {
  OPENAI_UNAUTHORIZED,
  openaiServerError,
  startFakeOpenAIChat,
  type FakeChatReply,
} from "./fake-openai-chat.js";
import { startFakeOpenAIResponses, type FakeResponsesReply } from "./fake-openai-responses.js";
import { makeTempDir } from "./git-repo.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const AGENT_BINS: Record<Exclude<AgentName, "command">, string> = {
  "claude-code": path.join(ROOT, "node_modules/.bin/claude"),
  codex: path.join(ROOT, "node_modules/.bin/codex"),
  gemini: path.join(ROOT, "node_modules/.bin/gemini"),
  opencode: path.join(ROOT, "node_modules/.bin/opencode"),
};
export const CHAT_AGENT = path.join(ROOT, "test/fixtures/agents/chat-agent.mjs");

/**
 * The model each agent is run with: priced keys of DEFAULT_PRICING (OpenCode's is a provider model whose part
 * after "fake/" is one; for the command agent it is MAESTRO_MODEL, the model its usage lines are priced at).
 */
export const AGENT_MODELS: Record<AgentName, string> = {
  "claude-code": "claude-sonnet-4-5",
  codex: "gpt-5",
  gemini: "gemini-2.5-flash",
  opencode: "fake/gpt-5-mini",
  command: "gpt-5-mini",
};

/** The key every agent gets for its stand-in (the stand-ins accept any key; 401s are scripted). */
export const FAKE_KEY = "fake-key-for-the-agent-matrix";

/** Tokens of one reply, as Maestro counts them (input = uncached). cacheWrite: Anthropic only (others have none). */
export type TokenUsage = { input?: number; output?: number; cacheRead?: number; cacheWrite?: number };

/** One reply of the model, whatever the vendor. */
export type Step =
  /** Text plus one tool call that writes `file` (relative to the worktree) with `content`. */
  | { kind: "write"; file: string; content: string; text?: string; usage?: TokenUsage }
  /** A closing text, no tool call. */
  | { kind: "text"; text: string; usage?: TokenUsage }
  /** The vendor's answer to a wrong API key. */
  | { kind: "unauthorized" }
  /** The vendor's 500 with `message`. */
  | { kind: "server-error"; message: string }
  /** Nothing for `delayMs` (default: until the fake closes), then a closing text. */
  | { kind: "slow"; delayMs?: number }
  /** The reply's first events, then nothing, the connection held open. */
  | { kind: "hang" };

/** What a test needs to run an agent: its stand-in and the engine options that point the agent at it. */
export interface AgentCliSetup {
  agent: AgentName;
  model: string;
  fake: FakeApi;
  /** agent, agentBin / agentCommand, model, env: spread into runEngine's overrides. */
  options: Pick<RunPlaybookOptions, "agent" | "model" | "env"> &
    Partial<Pick<RunPlaybookOptions, "agentBin" | "agentCommand">>;
  /** Dirs only this run's agent processes have in their environment (HOME, CODEX_HOME). */
  markers: string[];
  close(): Promise<void>;
}

/** Step `n` of a list (the last repeats: retries of a failing request get the same failure). */
function stepAt(steps: Step[], n: number): Step {
  return steps[Math.min(n, steps.length - 1)]!;
}

const tokens = (u: TokenUsage | undefined, input: number, output: number) => ({
  input: u?.input ?? input,
  output: u?.output ?? output,
  cacheRead: u?.cacheRead ?? 0,
  cacheWrite: u?.cacheWrite ?? 0,
});

const faultOf = (step: Step): FakeFault =>
  step.kind === "slow" ? { delayMs: step.delayMs ?? Infinity } : step.kind === "hang" ? { hang: true } : {};

/** The closing text a `slow` step ends with, when it ends at all. */
const SLOW_TEXT = "Finally done.";

function anthropicReply(step: Step, worktree: string): FakeReply {
  switch (step.kind) {
    case "write": {
      const t = tokens(step.usage, 800, 60);
      return {
        text: step.text ?? "Writing the file.",
        toolUses: [
          { name: "Write", input: { file_path: path.join(worktree, step.file), content: step.content } },
        ],
        usage: {
          input_tokens: t.input,
          output_tokens: t.output,
          cache_read_input_tokens: t.cacheRead,
          cache_creation_input_tokens: t.cacheWrite,
        },
      };
    }
    case "text": {
      const t = tokens(step.usage, 900, 30);
      return {
        text: step.text,
        usage: {
          input_tokens: t.input,
          output_tokens: t.output,
          cache_read_input_tokens: t.cacheRead,
          cache_creation_input_tokens: t.cacheWrite,
        },
      };
    }
    case "unauthorized":
      return { error: { ...ANTHROPIC_UNAUTHORIZED } };
    case "server-error":
      return { error: anthropicServerError(step.message) };
    default:
      return { text: step.kind === "slow" ? SLOW_TEXT : undefined, ...faultOf(step) };
  }
}

function responsesReply(step: Step): FakeResponsesReply {
  switch (step.kind) {
    case "write": {
      // exec_command: what Codex's default tool set offers for edits when the model has no apply_patch tool
      const t = tokens(step.usage, 800, 60);
      const content = step.content.replace(/'/g, "'\\''");
      return {
        text: step.text ?? "Writing the file.",
        functionCalls: [
          { name: "exec_command", arguments: { cmd: `printf '%s' '${content}' > ${step.file}` } },
        ],
        usage: { input_tokens: t.input + t.cacheRead, cached_tokens: t.cacheRead, output_tokens: t.output },
      };
    }
    case "text": {
      const t = tokens(step.usage, 900, 30);
      return {
        text: step.text,
        usage: { input_tokens: t.input + t.cacheRead, cached_tokens: t.cacheRead, output_tokens: t.output },
      };
    }
    case "unauthorized":
      return { error: { ...OPENAI_UNAUTHORIZED } };
    case "server-error":
      return { error: openaiServerError(step.message) };
    default:
      return { text: step.kind === "slow" ? SLOW_TEXT : undefined, ...faultOf(step) };
  }
}

function geminiReply(step: Step, worktree: string): FakeGeminiReply {
  switch (step.kind) {
    case "write": {
      const t = tokens(step.usage, 800, 60);
      return {
        text: step.text ?? "Writing the file.",
        functionCalls: [
          { name: "write_file", args: { file_path: path.join(worktree, step.file), content: step.content } },
        ],
        usage: {
          promptTokenCount: t.input + t.cacheRead,
          cachedContentTokenCount: t.cacheRead,
          candidatesTokenCount: t.output,
        },
      };
    }
    case "text": {
      const t = tokens(step.usage, 900, 30);
      return {
        text: step.text,
        usage: {
          promptTokenCount: t.input + t.cacheRead,
          cachedContentTokenCount: t.cacheRead,
          candidatesTokenCount: t.output,
        },
      };
    }
    case "unauthorized":
      return { error: GEMINI_INVALID_KEY };
    case "server-error":
      return { error: geminiServerError(step.message) };
    default:
      return { text: step.kind === "slow" ? SLOW_TEXT : undefined, ...faultOf(step) };
  }
}

/**
 * `tool` is the name of the edit tool the client offers: OpenCode gives GPT-5-family models `apply_patch`
 * (and no `write`), the command agent's chat-agent.mjs offers `write`.
 */
function chatReply(step: Step, tool: "apply_patch" | "write"): FakeChatReply {
  switch (step.kind) {
    case "write": {
      const t = tokens(step.usage, 800, 60);
      const patch = [
        "*** Begin Patch",
        `*** Add File: ${step.file}`,
        ...step.content
          .replace(/\n$/, "")
          .split("\n")
          .map((l) => `+${l}`),
        "*** End Patch",
      ].join("\n");
      return {
        text: step.text ?? "Writing the file.",
        toolCalls: [
          tool === "apply_patch"
            ? { name: "apply_patch", arguments: { patchText: patch } }
            : { name: "write", arguments: { path: step.file, content: step.content } },
        ],
        usage: {
          prompt_tokens: t.input + t.cacheRead,
          cached_tokens: t.cacheRead,
          completion_tokens: t.output,
        },
      };
    }
    case "text": {
      const t = tokens(step.usage, 900, 30);
      return {
        text: step.text,
        usage: {
          prompt_tokens: t.input + t.cacheRead,
          cached_tokens: t.cacheRead,
          completion_tokens: t.output,
        },
      };
    }
    case "unauthorized":
      return { error: { ...OPENAI_UNAUTHORIZED } };
    case "server-error":
      // OpenCode retries a 5xx 5 times, 2 s to 30 s apart, unless the reply says how long to wait
      return { error: openaiServerError(step.message, { retryAfterMs: 100 }) };
    default:
      return { text: step.kind === "slow" ? SLOW_TEXT : undefined, ...faultOf(step) };
  }
}

/** A dir for CODEX_HOME outside the temp dir: Codex refuses to put its sandbox helper there, and its shell then fails. */
function codexHomeDir(): string {
  for (const base of ["/var/tmp", os.homedir()]) {
    try {
      fs.accessSync(base, fs.constants.W_OK);
      return fs.mkdtempSync(path.join(base, "maestro-codex-home-"));
    } catch {
      // not writable: the next
    }
  }
  throw new Error("no writable dir outside the temp dir for CODEX_HOME");
}

/**
 * Starts `agent`'s stand-in with `steps` (one per agent-loop request, the last repeating) and returns the engine
 * options that point the agent at it. `worktree` is where the run's worktree will be (tools name files in it).
 */
export async function startAgentCli(
  agent: AgentName,
  opts: { steps: Step[]; worktree: string },
): Promise<AgentCliSetup> {
  const { steps, worktree } = opts;
  const home = await makeTempDir(`maestro-matrix-${agent}-home-`);
  const dirs = [home];
  const model = AGENT_MODELS[agent];
  // A private TMPDIR: Gemini CLI writes the whole failed request (prompt included) to
  // $TMPDIR/gemini-client-error-*.json on every API error; here it goes away with the run.
  const tmp = path.join(home, "tmp");
  fs.mkdirSync(tmp);
  const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", TMPDIR: tmp };
  let fake: FakeApi;
  let options: AgentCliSetup["options"];
  switch (agent) {
    case "claude-code":
      fake = await startFakeAnthropic((_req, turn) => anthropicReply(stepAt(steps, turn), worktree));
      options = {
        agent,
        agentBin: AGENT_BINS[agent],
        model,
        env: {
          ...base,
          ANTHROPIC_BASE_URL: fake.url,
          ANTHROPIC_API_KEY: FAKE_KEY,
          CLAUDE_CODE_MAX_RETRIES: "0",
          DISABLE_TELEMETRY: "1",
          DISABLE_AUTOUPDATER: "1",
          CLAUDE_CONFIG_DIR: path.join(home, ".claude"),
        },
      };
      break;
    case "codex": {
      fake = await startFakeOpenAIResponses((_req, turn) => responsesReply(stepAt(steps, turn)));
      const codexHome = codexHomeDir();
      dirs.push(codexHome);
      fs.writeFileSync(
        path.join(codexHome, "config.toml"),
        [
          'model_provider = "fake"',
          "[model_providers.fake]",
          'name = "Fake"',
          `base_url = "${fake.url}"`,
          'env_key = "OPENAI_API_KEY"',
          'wire_api = "responses"',
          "request_max_retries = 0",
          "stream_max_retries = 0",
          "",
        ].join("\n"),
      );
      options = {
        agent,
        agentBin: AGENT_BINS[agent],
        model,
        env: { ...base, CODEX_HOME: codexHome, OPENAI_API_KEY: FAKE_KEY },
      };
      break;
    }
    case "gemini":
      fake = await startFakeGemini((_req, turn) => geminiReply(stepAt(steps, turn), worktree));
      // Headless Gemini CLI takes GOOGLE_GEMINI_BASE_URL alone as auth type "gateway", which it refuses: the user
      // settings name API-key auth. general.maxAttempts: 1 = no retry of a failed request (default 10, 5 s apart
      // and growing).
      fs.mkdirSync(path.join(home, ".gemini"));
      fs.writeFileSync(
        path.join(home, ".gemini", "settings.json"),
        JSON.stringify({
          general: { maxAttempts: 1 },
          security: { auth: { selectedType: "gemini-api-key" } },
        }),
      );
      options = {
        agent,
        agentBin: AGENT_BINS[agent],
        model,
        env: { ...base, GOOGLE_GEMINI_BASE_URL: fake.url, GEMINI_API_KEY: FAKE_KEY },
      };
      break;
    case "opencode": {
      fake = await startFakeOpenAIChat((_req, turn) => chatReply(stepAt(steps, turn), "apply_patch"));
      const name = model.slice(model.indexOf("/") + 1);
      const config = {
        provider: {
          fake: {
            npm: "@ai-sdk/openai-compatible",
            name: "Fake",
            options: { baseURL: fake.url, apiKey: FAKE_KEY },
            models: { [name]: { name: `${name} (fake)` } },
          },
        },
      };
      options = {
        agent,
        agentBin: AGENT_BINS[agent],
        model,
        env: {
          ...base,
          OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
          OPENCODE_DISABLE_MODELS_FETCH: "1",
          OPENCODE_DISABLE_AUTOUPDATE: "1",
        },
      };
      break;
    }
    case "command":
      fake = await startFakeOpenAIChat((_req, turn) => chatReply(stepAt(steps, turn), "write"));
      options = {
        agent,
        agentCommand: `exec node ${CHAT_AGENT}`,
        model,
        env: { ...base, MAESTRO_AGENT_API_URL: fake.url, MAESTRO_AGENT_API_KEY: FAKE_KEY },
      };
      break;
  }
  return {
    agent,
    model,
    fake,
    options,
    markers: dirs,
    close: async () => {
      await fake.close();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Usage: what the stand-in reported, and how much of it each CLI shows Maestro.

export interface TokenTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * How much of the usage the stand-in reported a CLI's output carries:
 * - `sideCalls`: its totals include side requests (session titles, quota probes) besides the agent loop's.
 * - `interrupted`: what it has printed when it is killed mid-session: `all` (a usage line per model reply),
 *   `input` (per reply, but the output count as of the reply's first event), `none` (only in its final line).
 */
export const USAGE_VISIBILITY: Record<
  AgentName,
  { sideCalls: boolean; interrupted: "all" | "input" | "none" }
> = {
  // result.modelUsage / total_cost_usd count the side requests; assistant lines carry message_start's usage
  "claude-code": { sideCalls: true, interrupted: "input" },
  // turn.completed (the end of the whole exec turn) is the only usage event
  codex: { sideCalls: true, interrupted: "none" },
  // stats (per model) only in the final result event
  gemini: { sideCalls: true, interrupted: "none" },
  // step_finish per reply; the session-title request is in no event
  opencode: { sideCalls: false, interrupted: "all" },
  // chat-agent.mjs prints a usage line per reply and makes no side requests
  command: { sideCalls: true, interrupted: "all" },
};

/** Sums entries as a run's `tokens`. */
export function totalsOf(entries: ReportedUsage[]): TokenTotals {
  const t = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const u of entries) {
    t.input += u.inputTokens;
    t.output += u.outputTokens;
    t.cacheRead += u.cacheReadTokens;
    t.cacheWrite += u.cacheWriteTokens;
  }
  return t;
}

/** The cost of `entries` at list price (DEFAULT_PRICING), priced per model as the CLIs' parsers do. */
export function listPriceOf(entries: ReportedUsage[], pricingModel?: (reported: string) => string): number {
  const byModel = new Map<string, ReportedUsage[]>();
  for (const u of entries) {
    const m = pricingModel ? pricingModel(u.model) : u.model;
    byModel.set(m, [...(byModel.get(m) ?? []), u]);
  }
  let cost = 0;
  for (const [model, list] of byModel) {
    const t = totalsOf(list);
    const priced = computeCostUsd(
      {
        inputTokens: t.input,
        outputTokens: t.output,
        cacheReadTokens: t.cacheRead,
        cacheWriteTokens: t.cacheWrite,
      },
      model,
    );
    if (!priced.priced) throw new Error(`the test's model ${model} has no list price`);
    cost += priced.costUsd;
  }
  return roundUsd(cost);
}

/** The reported usage a run of `agent` should count: finished sessions vs sessions killed mid-way. */
export function expectedEntries(
  agent: AgentName,
  reported: ReportedUsage[],
  ended: "finished" | "interrupted",
): ReportedUsage[] {
  const vis = USAGE_VISIBILITY[agent];
  if (ended === "interrupted" && vis.interrupted === "none") return [];
  return reported.filter((u) => u.complete && (u.agent || (ended === "finished" && vis.sideCalls)));
}

// ---------------------------------------------------------------------------------------------------------------
// Processes a run left behind.

export interface LeftoverProcess {
  pid: number;
  /** What ties it to the run: `cwd` or `environ`, and the marker found. */
  why: string;
  cmdline: string;
}

function procState(pid: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
  } catch {
    return undefined;
  }
}

/**
 * Live processes (zombies count as gone) whose cwd is inside, or whose environment names, one of `markers`
 * (a run's worktree, temp dirs, its stand-in's URL). This process itself is never one of them.
 */
export function leftoverProcesses(markers: string[]): LeftoverProcess[] {
  const found: LeftoverProcess[] = [];
  const wanted = markers.filter((m) => m.length > 0);
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const state = procState(pid);
    if (state === undefined || state === "Z" || state === "X") continue;
    let why: string | undefined;
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      const m = wanted.find((d) => cwd === d || cwd.startsWith(d.endsWith("/") ? d : `${d}/`));
      if (m) why = `cwd ${cwd}`;
    } catch {
      // gone meanwhile, or not ours to read
    }
    if (!why) {
      try {
        const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
        const m = wanted.find((d) => environ.includes(d));
        if (m) why = `environ has ${m}`;
      } catch {
        // gone meanwhile
      }
    }
    if (!why) continue;
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    } catch {
      // gone meanwhile
    }
    found.push({ pid: Number(pid), why, cmdline });
  }
  return found;
}

/** leftoverProcesses, polled for up to `graceMs` (reaping takes a moment): what is still there after it. */
export async function leftoverProcessesAfter(markers: string[], graceMs = 1000): Promise<LeftoverProcess[]> {
  const until = Date.now() + graceMs;
  for (;;) {
    const left = leftoverProcesses(markers);
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
