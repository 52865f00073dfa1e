// Issue 13, defect 2: the variables an agent's CLI reads reach it — Codex's CODEX_API_KEY and the `env_key` its
// config.toml names, OpenCode's `{env:NAME}` references and built-in providers' keys, and what the operator lists in
// MAESTRO_AGENT_ENV — while the worker's secrets never do, whatever a configuration names (the hostile case).
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadEnvConfig } from "../../../src/config/env.js";
import { AGENT_NAMES } from "../../../src/agents/types.js";
import { buildChildEnv, parseAgentEnvList, type ChildEnvProfile } from "../../../src/security/child-env.js";

/** The worker's secrets and what changes how programs start: no configuration may bring them to an agent. */
const SECRETS: Record<string, string> = {
  GITHUB_TOKEN: "ghs_secret",
  GH_TOKEN: "gho_secret",
  GITHUB_APP_PRIVATE_KEY: "-----BEGIN",
  PRIVATE_KEY: "-----BEGIN RSA",
  PRIVATE_KEY_PATH: "/keys/app.pem",
  WEBHOOK_SECRET: "whsec",
  APP_ID: "123",
  REDIS_URL: "redis://:pw@r:6379",
  MAESTRO_LOG_SIGNING_KEY: "sign",
  GIT_ASKPASS: "/bin/askpass",
  NODE_OPTIONS: "--require /evil.js",
  LD_PRELOAD: "/evil.so",
};
const HOSTILE_NAMES = Object.keys(SECRETS);

let dir: string;
let home: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-agent-env-")));
  home = path.join(dir, "home");
  fs.mkdirSync(home);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function codexHomeWith(toml: string): string {
  const codexHome = path.join(dir, "codex");
  fs.mkdirSync(codexHome, { recursive: true });
  fs.writeFileSync(path.join(codexHome, "config.toml"), toml);
  return codexHome;
}

describe("Codex: CODEX_API_KEY and the env_key of its config.toml", () => {
  it("passes CODEX_API_KEY", () => {
    const env = buildChildEnv({ PATH: "/usr/bin", HOME: home, CODEX_API_KEY: "sk-codex" }, "codex");
    expect(env.CODEX_API_KEY).toBe("sk-codex");
  });

  it("passes the env_key and env_http_headers variables named in $CODEX_HOME/config.toml, to codex only", () => {
    const codexHome = codexHomeWith(
      [
        'model_provider = "gw"',
        "[model_providers.gw]",
        'base_url = "http://127.0.0.1:4000/v1"',
        'env_key = "MY_GATEWAY_KEY"',
        'env_http_headers = { "X-Org" = "MY_GATEWAY_ORG" }',
        "",
      ].join("\n"),
    );
    const base = {
      PATH: "/usr/bin",
      HOME: home,
      CODEX_HOME: codexHome,
      MY_GATEWAY_KEY: "gw-key",
      MY_GATEWAY_ORG: "org-1",
      UNRELATED_KEY: "no",
    };
    const env = buildChildEnv(base, "codex");
    expect(env).toMatchObject({ MY_GATEWAY_KEY: "gw-key", MY_GATEWAY_ORG: "org-1", CODEX_HOME: codexHome });
    expect(env.UNRELATED_KEY).toBeUndefined();
    for (const other of ["claude-code", "opencode", "gemini", "command", "verify", "git"] as const) {
      expect(buildChildEnv(base, other).MY_GATEWAY_KEY).toBeUndefined();
    }
  });

  it("finds ~/.codex/config.toml when CODEX_HOME is unset", () => {
    fs.mkdirSync(path.join(home, ".codex"));
    fs.writeFileSync(path.join(home, ".codex", "config.toml"), '[model_providers.gw]\nenv_key = "GW_KEY"\n');
    expect(buildChildEnv({ HOME: home, GW_KEY: "k" }, "codex").GW_KEY).toBe("k");
  });

  it("hostile config: a provider naming the worker's secrets gets none of them", () => {
    const codexHome = codexHomeWith(
      HOSTILE_NAMES.map((name, k) => `[model_providers.p${k}]\nenv_key = "${name}"\n`).join("") +
        '[model_providers.h]\nenv_http_headers = { "X-A" = "GITHUB_TOKEN", "X-B" = "PRIVATE_KEY" }\n',
    );
    const env = buildChildEnv({ PATH: "/usr/bin", HOME: home, CODEX_HOME: codexHome, ...SECRETS }, "codex");
    for (const name of HOSTILE_NAMES) expect(env[name]).toBeUndefined();
  });
});

describe("OpenCode: {env:NAME} in its config and the built-in providers' keys", () => {
  it("passes a {env:NAME} referenced in OPENCODE_CONFIG_CONTENT", () => {
    const content = JSON.stringify({
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: "http://x/v1", apiKey: "{env:MY_OC_KEY}" },
        },
      },
    });
    const env = buildChildEnv(
      { HOME: home, OPENCODE_CONFIG_CONTENT: content, MY_OC_KEY: "oc-key" },
      "opencode",
    );
    expect(env.MY_OC_KEY).toBe("oc-key");
    expect(
      buildChildEnv({ HOME: home, OPENCODE_CONFIG_CONTENT: content, MY_OC_KEY: "x" }, "codex").MY_OC_KEY,
    ).toBeUndefined();
  });

  it("passes references in the file OPENCODE_CONFIG names and in ~/.config/opencode/opencode.jsonc", () => {
    const file = path.join(dir, "oc.json");
    fs.writeFileSync(file, '{"provider": {"a": {"options": {"apiKey": "{env:FILE_KEY}"}}}}');
    fs.mkdirSync(path.join(home, ".config", "opencode"), { recursive: true });
    fs.writeFileSync(
      path.join(home, ".config", "opencode", "opencode.jsonc"),
      '{\n  // gateway\n  "provider": {"b": {"env": ["GLOBAL_KEY"],}},\n}\n',
    );
    const env = buildChildEnv(
      { HOME: home, OPENCODE_CONFIG: file, FILE_KEY: "f", GLOBAL_KEY: "g" },
      "opencode",
    );
    expect(env).toMatchObject({ FILE_KEY: "f", GLOBAL_KEY: "g" });
  });

  it("passes the conventional keys of the providers OpenCode bundles, not the worker's AWS credentials", () => {
    const env = buildChildEnv(
      {
        HOME: home,
        OPENROUTER_API_KEY: "or",
        GROQ_API_KEY: "gq",
        GOOGLE_GENERATIVE_AI_API_KEY: "gg",
        AWS_SECRET_ACCESS_KEY: "aws",
      },
      "opencode",
    );
    expect(env).toMatchObject({
      OPENROUTER_API_KEY: "or",
      GROQ_API_KEY: "gq",
      GOOGLE_GENERATIVE_AI_API_KEY: "gg",
    });
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
  });

  it("hostile config: {env:GITHUB_TOKEN} and friends are never passed", () => {
    const content = JSON.stringify({
      provider: {
        x: {
          env: HOSTILE_NAMES,
          options: { headers: Object.fromEntries(HOSTILE_NAMES.map((n) => [`X-${n}`, `{env:${n}}`])) },
        },
      },
    });
    const env = buildChildEnv({ HOME: home, OPENCODE_CONFIG_CONTENT: content, ...SECRETS }, "opencode");
    for (const name of HOSTILE_NAMES) expect(env[name]).toBeUndefined();
  });
});

describe("MAESTRO_AGENT_ENV: the operator's list", () => {
  const base = {
    PATH: "/usr/bin",
    HOME: "/nonexistent-home",
    MAESTRO_AGENT_ENV: "MY_KEY, OPENROUTER_*,FOO_",
    MY_KEY: "k",
    OPENROUTER_API_KEY: "or",
    OPENROUTER_BASE_URL: "http://or",
    FOO_: "exact",
    FOO_BAR: "not a prefix match",
    OTHER: "no",
  };

  it("passes exact names and trailing-* prefixes to every agent, not to verify or git", () => {
    for (const agent of AGENT_NAMES) {
      const env = buildChildEnv(base, agent);
      expect(env).toMatchObject({
        MY_KEY: "k",
        OPENROUTER_API_KEY: "or",
        OPENROUTER_BASE_URL: "http://or",
        FOO_: "exact",
      });
      expect(env.FOO_BAR).toBeUndefined(); // a trailing _ is an exact name here, not a prefix
      expect(env.OTHER).toBeUndefined();
    }
    for (const profile of ["verify", "git"] as ChildEnvProfile[]) {
      const env = buildChildEnv(base, profile);
      expect(env.MY_KEY).toBeUndefined();
      expect(env.OPENROUTER_API_KEY).toBeUndefined();
    }
  });

  it("hostile or careless list (never validated): denied names, broad prefixes and * still pass no secret", () => {
    const env = buildChildEnv(
      { ...SECRETS, HOME: "/nonexistent-home", MAESTRO_AGENT_ENV: `${HOSTILE_NAMES.join(",")},G*,P*,*,LD_*` },
      "codex",
    );
    for (const name of HOSTILE_NAMES) expect(env[name]).toBeUndefined();
  });

  it("explains each refused entry", () => {
    const { patterns, problems } = parseAgentEnvList(
      " MY_KEY,,OPENROUTER_*, GITHUB_TOKEN G* * 9X A*B NODE_OPTIONS NODE_* ",
    );
    expect(patterns).toEqual(["MY_KEY", "OPENROUTER_*"]);
    expect(problems).toEqual([
      expect.stringMatching(/^"GITHUB_TOKEN": one of the worker's own secrets .*; remove it$/),
      expect.stringMatching(
        /^"G\*": it also covers the worker's own secrets \(GITHUB_TOKEN, GH_TOKEN, .*narrower prefix/,
      ),
      expect.stringMatching(/^"\*": it would pass every variable of the worker/),
      expect.stringMatching(/^"9X": not a variable name/),
      expect.stringMatching(/^"A\*B": not a variable name/),
      expect.stringMatching(/^"NODE_OPTIONS": it changes how every program starts/),
      expect.stringMatching(/^"NODE_\*": it also covers NODE_OPTIONS/),
    ]);
    expect(parseAgentEnvList(undefined)).toEqual({ patterns: [], problems: [] });
  });

  it("is checked at start-up: a refused entry is a clear error naming it and the fix", () => {
    expect(() => loadEnvConfig({ MAESTRO_AGENT_ENV: "OPENROUTER_*,MY_GATEWAY_KEY" })).not.toThrow();
    let message = "";
    try {
      loadEnvConfig({ MAESTRO_AGENT_ENV: "MY_GATEWAY_KEY,PRIVATE_KEY,my-key" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid environment:/);
    expect(message).toMatch(
      /- MAESTRO_AGENT_ENV holds "PRIVATE_KEY": one of the worker's own secrets \(PRIVATE_KEY\*\), never passed to an agent; remove it/,
    );
    expect(message).toMatch(
      /- MAESTRO_AGENT_ENV holds "my-key": not a variable name; use letters, digits and _/,
    );
    expect(message).not.toMatch(/holds "MY_GATEWAY_KEY"/);
  });
});
