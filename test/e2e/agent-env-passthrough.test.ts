// Issue 13, defect 2, with the REAL CLIs (pinned devDependencies) run through their Maestro adapters, without the
// sandbox, each against a local stand-in of its model API: the key variable the operator's own agent configuration
// names reaches the CLI, which sends it as `Authorization: Bearer …` — Codex's `env_key` in $CODEX_HOME/config.toml,
// OpenCode's `{env:NAME}` in OPENCODE_CONFIG_CONTENT — and a variable only the operator knows the CLI reads (a Codex
// provider whose bearer token comes from a command) arrives when MAESTRO_AGENT_ENV lists it. Before the fix none of
// them arrived: Codex failed "Missing environment variable", OpenCode sent an empty bearer token.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { codexAdapter } from "../../src/agents/codex.js";
import { openCodeAdapter } from "../../src/agents/opencode.js";
import type { AgentEvent, AgentResult, AgentRunOptions } from "../../src/agents/types.js";
import { startFakeOpenAIChat } from "../helpers/fake-openai-chat.js";
import { startFakeOpenAIResponses } from "../helpers/fake-openai-responses.js";
import { makeTempDir, makeTempRepo, type TempRepo } from "../helpers/git-repo.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = (name: string) => path.join(ROOT, "node_modules/.bin", name);
/** The worker's own secret, present in the env every run is given: it must never reach the model API. */
const WORKER_SECRET = "ghs_worker-installation-token-never-sent";

let repo: TempRepo;
let home: string;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  repo = await makeTempRepo({ "README.md": "# sample\n" });
  home = await makeTempDir("maestro-agent-env-home-");
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await repo.cleanup();
  fs.rmSync(home, { recursive: true, force: true });
});

async function run(
  adapter: { run(opts: AgentRunOptions): Promise<AgentResult> },
  bin: string,
  baseEnv: NodeJS.ProcessEnv,
  opts: { model?: string; cwd?: string } = {},
): Promise<{ result: AgentResult; events: AgentEvent[] }> {
  const events: AgentEvent[] = [];
  const result = await adapter.run({
    prompt: "Say hello.",
    cwd: opts.cwd ?? repo.dir,
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    baseEnv: { PATH: process.env.PATH, HOME: home, GITHUB_TOKEN: WORKER_SECRET, ...baseEnv },
    onEvent: (e) => events.push(e),
    runId: "agent-env-e2e",
    taskIndex: 0,
    bin,
    ...(opts.model ? { model: opts.model } : {}),
  });
  return { result, events };
}

/** $CODEX_HOME/config.toml selecting one provider `gw` at `url`, with `auth` lines for its key. */
function codexHome(url: string, auth: string[]): string {
  const dir = path.join(home, "codex");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "config.toml"),
    [
      'model = "gpt-5"',
      'model_provider = "gw"',
      "[model_providers.gw]",
      'name = "Gateway"',
      `base_url = "${url}"`,
      'wire_api = "responses"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      ...auth,
      "",
    ].join("\n"),
  );
  return dir;
}

async function fakeResponses() {
  const fake = await startFakeOpenAIResponses(() => ({ text: "Hello from the gateway." }));
  closers.push(() => fake.close());
  return fake;
}

const turnsOf = (requests: Array<{ method: string; url: string; headers: Record<string, unknown> }>) =>
  requests.filter((r) => r.method === "POST" && r.url.endsWith("/responses"));

describe("the key an agent's configuration names reaches the real CLI", () => {
  it("Codex: env_key in $CODEX_HOME/config.toml → Authorization: Bearer <MY_GATEWAY_KEY>", async () => {
    const fake = await fakeResponses();
    const key = "gw-key-from-env-key";
    const { result } = await run(codexAdapter, BIN("codex"), {
      CODEX_HOME: codexHome(fake.url, ['env_key = "MY_GATEWAY_KEY"']),
      MY_GATEWAY_KEY: key,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("ok");
    const turns = turnsOf(fake.requests);
    expect(turns.length).toBeGreaterThanOrEqual(1);
    for (const t of turns) expect(t.headers.authorization).toBe(`Bearer ${key}`);
    expect(JSON.stringify(fake.requests)).not.toContain(WORKER_SECRET);
  }, 40_000);

  it("OpenCode: {env:MY_OC_KEY} in OPENCODE_CONFIG_CONTENT → Bearer <MY_OC_KEY>; {env:GITHUB_TOKEN} stays empty", async () => {
    const fake = await startFakeOpenAIChat(() => ({ text: "Hello from the gateway." }));
    closers.push(() => fake.close());
    const key = "oc-key-from-env-reference";
    const config = {
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          name: "Fake",
          // the hostile case: a header asking for the worker's token gets nothing
          options: {
            baseURL: fake.url,
            apiKey: "{env:MY_OC_KEY}",
            headers: { "X-Leak": "{env:GITHUB_TOKEN}" },
          },
          models: { "fake-model": { name: "Fake model" } },
        },
      },
    };
    const { result } = await run(
      openCodeAdapter,
      BIN("opencode"),
      {
        OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        OPENCODE_DISABLE_AUTOUPDATE: "1",
        MY_OC_KEY: key,
      },
      // OpenCode needs no git repository (Codex does): a plain directory spares it seconds of snapshotting
      { model: "fake/fake-model", cwd: fs.mkdtempSync(path.join(home, "work-")) },
    );
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("ok");
    const chats = fake.requests.filter((r) => r.method === "POST" && r.url.endsWith("/chat/completions"));
    expect(chats.length).toBeGreaterThanOrEqual(1);
    for (const c of chats) {
      expect(c.headers.authorization).toBe(`Bearer ${key}`);
      expect(c.headers["x-leak"] ?? "").toBe("");
    }
    expect(JSON.stringify(fake.requests)).not.toContain(WORKER_SECRET);
  }, 40_000);

  it("MAESTRO_AGENT_ENV: a variable only the operator knows Codex reads (its provider's token command) arrives", async () => {
    const fake = await fakeResponses();
    const token = "vault-token-via-maestro-agent-env";
    // Codex runs this command for the provider's bearer token; the variable it reads is named nowhere Maestro
    // could find it (a shell string), so only the operator's list can pass it.
    const auth = [
      "[model_providers.gw.auth]",
      'command = "sh"',
      `args = ["-c", "printf %s \\"$VAULT_TOKEN\\""]`,
      "timeout_ms = 5000",
    ];
    const base = { CODEX_HOME: codexHome(fake.url, auth), VAULT_TOKEN: token };

    const without = await run(codexAdapter, BIN("codex"), base);
    const before = turnsOf(fake.requests).map((t) => t.headers.authorization);
    // Without it Codex runs the command, gets an empty token and sends no Authorization header at all.
    expect(without.result.status).toBe("ok");
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.filter((a) => a !== undefined && a !== "Bearer")).toEqual([]);

    fake.requests.length = 0;
    const { result } = await run(codexAdapter, BIN("codex"), { ...base, MAESTRO_AGENT_ENV: "VAULT_*" });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe("ok");
    const turns = turnsOf(fake.requests);
    expect(turns.length).toBeGreaterThanOrEqual(1);
    for (const t of turns) expect(t.headers.authorization).toBe(`Bearer ${token}`);
  }, 40_000);
});
