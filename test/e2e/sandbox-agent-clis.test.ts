// The REAL Codex CLI, Gemini CLI and OpenCode inside Maestro's sandbox (bubblewrap + socat), each against a local
// stand-in of its model API reached only through the sandbox's network allowlist (the loopback relay for the
// endpoint its own configuration names). Each run is one task whose scripted model reply makes the CLI run a shell
// command that writes a file; the task succeeds and Maestro commits the file.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { probeSandbox } from "../../src/sandbox/probe.js";
import type { RunPlaybookOptions } from "../../src/engine/types.js";
import { startFakeGemini } from "../helpers/fake-gemini.js";
import { startFakeOpenAIChat } from "../helpers/fake-openai-chat.js";
import { startFakeOpenAIResponses } from "../helpers/fake-openai-responses.js";
import { makeTempDir } from "../helpers/git-repo.js";
import {
  branchCommits,
  engineFixture,
  ofType,
  runEngine,
  type EngineFixture,
} from "../helpers/engine-run.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = (name: string) => path.join(ROOT, "node_modules/.bin", name);
const KEY = "fake-key-for-the-sandbox-test";
const PLAYBOOK = "# Out\n\n- [ ] Write the word ok into out.txt\n";
/** What the scripted model asks the CLI to run; where.txt shows the command saw the sandbox's private HOME. */
const COMMAND = 'echo ok > out.txt && echo "$HOME" > where.txt';

let fx: EngineFixture;
let home: string;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  fx = await engineFixture({ "README.md": "# sample\n" });
  home = await makeTempDir("maestro-clis-home-");
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await fx.cleanup();
  fs.rmSync(home, { recursive: true, force: true });
});

async function runInSandbox(overrides: Partial<RunPlaybookOptions>) {
  const probe = await probeSandbox();
  if (!probe.ok) throw new Error(`the sandbox cannot start here: ${probe.problem}`);
  const run = await runEngine(fx, PLAYBOOK, {
    limits: { taskTimeoutMs: 45_000, runTimeoutMs: 55_000, maxCostUsd: 5 },
    // The stand-in's own model, priced so the cost cap can count it.
    pricing: { "fake-model": { input: 1, output: 2 } },
    sandbox: {
      bwrap: probe.bwrap,
      socat: probe.socat,
      policy: { mode: "on", allowHosts: [], readPaths: [], agentPermissions: "full" },
    },
    ...overrides,
  });
  const { result } = run;
  expect(result.tasks[0]?.error ?? result.error).toBeUndefined();
  expect(result.status).toBe("succeeded");
  const commits = await branchCommits(fx.repo, result.branch);
  expect(commits).toHaveLength(1);
  expect(await fx.repo.git("show", `${commits[0]!.sha}:out.txt`)).toBe("ok");
  expect(await fx.repo.git("show", `${commits[0]!.sha}:where.txt`)).toMatch(/\/maestro-sandbox-\w+\/home$/);
  // What the CLI tried to reach besides its model API was refused by the sandbox (update checks, telemetry);
  // the model API itself never was.
  const refused = ofType(run.events, "agent.message")
    .filter((m) => m.role === "system" && m.text.startsWith("sandbox: a connection to"))
    .map((m) => /connection to (\S+) was refused/.exec(m.text)?.[1]);
  expect(refused.filter((target) => !target || /^(127\.|localhost|\[?::1)/.test(target))).toEqual([]);
  return run;
}

describe("real agent CLIs in the sandbox, each against its local fake model API", () => {
  it("Codex (Responses API via CODEX_HOME/config.toml) runs exec_command and the file is committed", async () => {
    const fake = await startFakeOpenAIResponses((req) =>
      JSON.stringify(req.body?.input ?? "").includes("function_call_output")
        ? { text: "Wrote ok into out.txt." }
        : {
            text: "Writing the file.",
            functionCalls: [{ name: "exec_command", arguments: { cmd: COMMAND } }],
          },
    );
    closers.push(() => fake.close());
    const codexHome = path.join(home, "codex");
    fs.mkdirSync(codexHome);
    fs.writeFileSync(
      path.join(codexHome, "config.toml"),
      [
        'model_provider = "fake"',
        // Named, so a cost cap can price it (issue 13: an unnamed model's cost is unknown, and the run stops).
        'model = "gpt-5-mini"',
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
    const { events } = await runInSandbox({
      agent: "codex",
      agentBin: BIN("codex"),
      env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: codexHome, OPENAI_API_KEY: KEY },
    });
    const turns = fake.requests.filter((r) => r.method === "POST" && r.url.endsWith("/responses"));
    expect(turns.length).toBeGreaterThanOrEqual(2);
    expect(turns[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(ofType(events, "agent.tool").map((t) => t.name)).toEqual(["shell"]);
    // The command ran inside the sandbox: its result went back to the model with exit code 0.
    const output = (turns.at(-1)!.body.input as Array<Record<string, unknown>>).find(
      (i) => i.type === "function_call_output",
    );
    expect(String(output?.output)).toMatch(/exited with code 0/);
  }, 60_000);

  it("Gemini CLI (streamGenerateContent, settings via GEMINI_CLI_SYSTEM_SETTINGS_PATH) runs run_shell_command and the file is committed", async () => {
    const fake = await startFakeGemini((req) =>
      JSON.stringify(req.body?.contents ?? "").includes("functionResponse")
        ? { text: "Wrote ok into out.txt." }
        : {
            text: "Writing the file.",
            functionCalls: [{ name: "run_shell_command", args: { command: COMMAND, description: "write" } }],
          },
    );
    closers.push(() => fake.close());
    // Headless Gemini CLI takes GOOGLE_GEMINI_BASE_URL alone as auth type "gateway", which it refuses: the settings
    // name the API-key auth. Gemini reads a system settings file only when it and every parent dir are owned by
    // uid 0 and not group/other-writable: inside the sandbox its parents are bwrap's 0755 dirs, owned by root
    // when Maestro runs as root (as CI does); under another uid Gemini skips the file and exits 41.
    const settings = path.join(home, "gemini-system-settings.json");
    fs.writeFileSync(settings, JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }), {
      mode: 0o644,
    });
    const { events } = await runInSandbox({
      agent: "gemini",
      agentBin: BIN("gemini"),
      model: "gemini-2.5-pro",
      env: {
        PATH: process.env.PATH,
        HOME: home,
        GEMINI_CLI_SYSTEM_SETTINGS_PATH: settings,
        GOOGLE_GEMINI_BASE_URL: fake.url,
        GEMINI_API_KEY: KEY,
      },
    });
    const turns = fake.requests.filter((r) => r.agent);
    expect(turns.length).toBeGreaterThanOrEqual(2);
    expect(turns[0]!.url).toMatch(/^\/v1beta\/models\/gemini-2\.5-pro:streamGenerateContent\?alt=sse$/);
    expect(turns[0]!.headers["x-goog-api-key"]).toBe(KEY);
    expect(ofType(events, "agent.tool").map((t) => t.name)).toEqual(["run_shell_command"]);
    const contents = turns.at(-1)!.body.contents as Array<{ parts: Array<{ functionResponse?: unknown }> }>;
    const response = contents.flatMap((c) => c.parts).find((p) => p.functionResponse)?.functionResponse;
    expect(JSON.stringify(response)).toMatch(/run_shell_command/);
    expect(JSON.stringify(response)).not.toMatch(/error|denied|not permitted/i);
  }, 60_000);

  it("OpenCode (openai-compatible provider in OPENCODE_CONFIG_CONTENT, chat completions) runs bash and the file is committed", async () => {
    const fake = await startFakeOpenAIChat((req) =>
      (req.body?.messages ?? []).some((m: { role?: string }) => m.role === "tool")
        ? { text: "Wrote ok into out.txt." }
        : {
            text: "Writing the file.",
            toolCalls: [{ name: "bash", arguments: { command: COMMAND, description: "write" } }],
          },
    );
    closers.push(() => fake.close());
    const config = {
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          name: "Fake",
          options: { baseURL: fake.url, apiKey: KEY },
          models: { "fake-model": { name: "Fake model" } },
        },
      },
    };
    const { events } = await runInSandbox({
      agent: "opencode",
      agentBin: BIN("opencode"),
      model: "fake/fake-model",
      env: {
        PATH: process.env.PATH,
        HOME: home,
        OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
        OPENCODE_DISABLE_MODELS_FETCH: "1",
      },
    });
    const turns = fake.requests.filter((r) => r.agent);
    expect(turns.length).toBeGreaterThanOrEqual(2);
    expect(turns[0]!.url).toBe("/v1/chat/completions");
    expect(turns[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(ofType(events, "agent.tool").map((t) => t.name)).toEqual(["bash"]);
    const toolMessage = (turns.at(-1)!.body.messages as Array<{ role: string; content: unknown }>).find(
      (m) => m.role === "tool",
    );
    expect(JSON.stringify(toolMessage?.content)).not.toMatch(/error|denied|rejected/i);
  }, 60_000);
});
