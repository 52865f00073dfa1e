import { describe, expect, it } from "@jest/globals";
import { AGENT_ENV_PREFIXES, buildChildEnv, isDeniedEnvName } from "../../../src/security/child-env.js";

const base: NodeJS.ProcessEnv = {
  PATH: "/usr/bin",
  HOME: "/home/m",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TZ: "UTC",
  HTTPS_PROXY: "http://proxy:3128",
  no_proxy: "localhost",
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
  GIT_CONFIG_PARAMETERS: "'http.extraheader=AUTHORIZATION: basic x'",
  ANTHROPIC_API_KEY: "sk-ant",
  ANTHROPIC_BASE_URL: "http://gw",
  CLAUDE_CODE_MAX_RETRIES: "0",
  CLAUDE_CONFIG_DIR: "/cfg",
  DISABLE_TELEMETRY: "1",
  OPENAI_API_KEY: "sk-oai",
  CODEX_HOME: "/codex",
  OPENCODE_CONFIG: "/oc.json",
  GEMINI_API_KEY: "gm",
  GOOGLE_CLOUD_PROJECT: "p",
  MAESTRO_AGENT_TOKEN: "custom",
  MAESTRO_DATA_DIR: "/data",
  NODE_OPTIONS: "--require /evil.js",
  NODE_ENV: "test",
  npm_config_registry: "http://evil",
  CI: "true",
  AWS_SECRET_ACCESS_KEY: "aws",
};

const SECRETS = [
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GITHUB_APP_PRIVATE_KEY",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "APP_ID",
  "REDIS_URL",
  "MAESTRO_LOG_SIGNING_KEY",
  "GIT_ASKPASS",
  "GIT_CONFIG_PARAMETERS",
  "AWS_SECRET_ACCESS_KEY",
];

describe("buildChildEnv", () => {
  it("gives every profile the base variables and none of the secrets", () => {
    for (const profile of Object.keys(AGENT_ENV_PREFIXES) as (keyof typeof AGENT_ENV_PREFIXES)[]) {
      const env = buildChildEnv(base, profile);
      expect(env).toMatchObject({
        PATH: "/usr/bin",
        HOME: "/home/m",
        LANG: "C.UTF-8",
        LC_ALL: "C.UTF-8",
        TZ: "UTC",
      });
      expect(env.HTTPS_PROXY).toBe("http://proxy:3128");
      expect(env.no_proxy).toBe("localhost");
      for (const s of SECRETS) expect(env[s]).toBeUndefined();
      expect(env.MAESTRO_DATA_DIR).toBeUndefined();
    }
  });

  it("gives each agent only its own CLI's variables", () => {
    const claude = buildChildEnv(base, "claude-code");
    expect(
      Object.keys(claude)
        .filter((k) => /ANTHROPIC|CLAUDE|DISABLE/.test(k))
        .sort(),
    ).toEqual(
      [
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "CLAUDE_CODE_MAX_RETRIES",
        "CLAUDE_CONFIG_DIR",
        "DISABLE_TELEMETRY",
      ].sort(),
    );
    expect(claude.OPENAI_API_KEY).toBeUndefined();
    expect(claude.GEMINI_API_KEY).toBeUndefined();

    const codex = buildChildEnv(base, "codex");
    expect(codex).toMatchObject({ OPENAI_API_KEY: "sk-oai", CODEX_HOME: "/codex" });
    expect(codex.ANTHROPIC_API_KEY).toBeUndefined();

    const opencode = buildChildEnv(base, "opencode");
    expect(opencode).toMatchObject({
      OPENCODE_CONFIG: "/oc.json",
      ANTHROPIC_API_KEY: "sk-ant",
      OPENAI_API_KEY: "sk-oai",
    });
    expect(opencode.GEMINI_API_KEY).toBeUndefined();

    const gemini = buildChildEnv(base, "gemini");
    expect(gemini).toMatchObject({ GEMINI_API_KEY: "gm", GOOGLE_CLOUD_PROJECT: "p" });
    expect(gemini.OPENAI_API_KEY).toBeUndefined();

    const command = buildChildEnv(base, "command");
    expect(command.MAESTRO_AGENT_TOKEN).toBe("custom");
    expect(command.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it("keeps verify small: CI and NODE_ENV, never NODE_OPTIONS or npm_config_*", () => {
    const env = buildChildEnv(base, "verify");
    expect(env).toMatchObject({ CI: "true", NODE_ENV: "test" });
    expect(env.NODE_OPTIONS).toBeUndefined();
    expect(env.npm_config_registry).toBeUndefined();
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it("applies extra last, but the denylist still fences secrets out of it (git may set its own GIT_*)", () => {
    const env = buildChildEnv(base, "command", { MAESTRO_RUN_ID: "r1", GITHUB_TOKEN: "leak", GIT_DIR: "/x" });
    expect(env.MAESTRO_RUN_ID).toBe("r1");
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect(env.GIT_DIR).toBeUndefined();
    const git = buildChildEnv(base, "git", { GIT_TERMINAL_PROMPT: "0", GH_TOKEN: "leak" });
    expect(git.GIT_TERMINAL_PROMPT).toBe("0");
    expect(git.GH_TOKEN).toBeUndefined();
    expect(git.GIT_ASKPASS).toBeUndefined(); // inherited GIT_* never passes, even for git
  });

  it("denies by name and prefix", () => {
    expect(isDeniedEnvName("GITHUB_ANYTHING")).toBe(true);
    expect(isDeniedEnvName("PRIVATE_KEY_PATH")).toBe(true);
    expect(isDeniedEnvName("GIT_SSH_COMMAND")).toBe(true);
    expect(isDeniedEnvName("ANTHROPIC_API_KEY")).toBe(false);
  });

  it("rejects an unknown profile with a clear error", () => {
    expect(() => buildChildEnv(base, "nope" as never)).toThrow(/unknown child env profile 'nope'/);
  });
});
