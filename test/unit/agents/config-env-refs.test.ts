// The variable names an agent's own configuration references (issue 13, defect 2): Codex `env_key` /
// `env_http_headers` in config.toml, OpenCode `{env:NAME}` and provider `env` lists; where they are read from;
// and that each config is parsed once per content.
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  agentConfigEnvRefs,
  agentConfigSources,
  codexConfigEnvRefs,
  openCodeConfigEnvRefs,
  tomlStrings,
} from "../../../src/agents/config-env-refs.js";

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-env-refs-")));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("tomlStrings", () => {
  it("reads string values by key path through headers, dotted and quoted keys, inline tables and escapes", () => {
    const text = [
      'model = "gpt-5"',
      "model_providers.top = { env_key = 'TOP_KEY' }",
      "[model_providers]",
      'b.env_key = "B_KEY"',
      '"c d" = { name = "x", env_http_headers = { "X-Api-Key" = "C_HDR" } }',
      '[ model_providers . "e.f" ]  # a comment',
      'env_key = "E\\u005FKEY"',
      "[[servers]]",
      'name = "one"',
      "[servers.sub]",
      'name = "in the last element"',
      "",
    ].join("\n");
    expect(tomlStrings(text)).toEqual([
      { path: ["model"], value: "gpt-5" },
      { path: ["model_providers", "top", "env_key"], value: "TOP_KEY" },
      { path: ["model_providers", "b", "env_key"], value: "B_KEY" },
      { path: ["model_providers", "c d", "name"], value: "x" },
      { path: ["model_providers", "c d", "env_http_headers", "X-Api-Key"], value: "C_HDR" },
      { path: ["model_providers", "e.f", "env_key"], value: "E_KEY" },
      { path: ["servers", "[]", "name"], value: "one" },
      { path: ["servers", "[]", "sub", "name"], value: "in the last element" },
    ]);
  });

  it("is not fooled by lines inside multi-line strings and arrays that look like headers or pairs", () => {
    const text = [
      'instructions = """',
      "[model_providers.evil]",
      'env_key = "EVIL"',
      '"""',
      "notes = '''",
      "[model_providers.evil2]",
      "env_key = 'EVIL2'",
      "'''",
      "args = [",
      '  "[model_providers.evil3]",',
      '  # env_key = "EVIL4"',
      "  [1, 2],",
      "]",
      'quoted = "env_key = \\"EVIL5\\" # not a comment"',
      "[model_providers.real]",
      'env_key = "REAL" # [model_providers.evil6]',
      "when = 1979-05-27 07:32:00Z",
      "",
    ].join("\n");
    expect(codexConfigEnvRefs(text)).toEqual(["REAL"]);
    expect(tomlStrings(text).find((s) => s.path[0] === "instructions")?.value).toBe(
      '[model_providers.evil]\nenv_key = "EVIL"\n',
    );
  });

  it("keeps what it read before a syntax error and never throws", () => {
    const text = '[model_providers.a]\nenv_key = "A"\n[model_providers.b\nenv_key = "B"\n';
    expect(tomlStrings(text)).toEqual([{ path: ["model_providers", "a", "env_key"], value: "A" }]);
    for (const bad of ['a = "unterminated', "a = '''x", "= 1", 'a = "\\q"', "[x", "a = {", "a = [1,"]) {
      expect(() => tomlStrings(bad)).not.toThrow();
    }
    // absurd nesting (a damaged or hostile file) stops the scan quickly instead of overflowing the stack
    const deep = '[model_providers.a]\nenv_key = "A"\nx = ' + "[".repeat(200_000) + "\n";
    const started = performance.now();
    expect(codexConfigEnvRefs(deep)).toEqual(["A"]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("codexConfigEnvRefs", () => {
  it("names env_key and env_http_headers variables of every model provider, and only those", () => {
    const toml = [
      'model_provider = "gw"',
      'env_key = "TOP_LEVEL_IS_NOT_A_PROVIDER"',
      "[model_providers.gw]",
      'base_url = "http://127.0.0.1:4000/v1"',
      'env_key = "MY_GATEWAY_KEY"',
      'env_http_headers = { "X-Org" = "MY_GATEWAY_ORG" }',
      "[model_providers.azure]",
      'env_key = "AZURE_OPENAI_API_KEY"',
      "[profiles.fast]",
      'env_key = "PROFILE_IS_NOT_A_PROVIDER"',
      "[mcp_servers.docs]",
      'env_key = "MCP_IS_NOT_A_PROVIDER"',
      "",
    ].join("\n");
    expect([...codexConfigEnvRefs(toml)].sort()).toEqual(
      ["AZURE_OPENAI_API_KEY", "MY_GATEWAY_KEY", "MY_GATEWAY_ORG"].sort(),
    );
  });

  it("drops values that are no variable name", () => {
    const toml =
      '[model_providers.a]\nenv_key = "$(cat /etc/shadow)"\n[model_providers.b]\nenv_key = "9LIVES"\n';
    expect(codexConfigEnvRefs(toml)).toEqual([]);
  });

  it("finds exactly the declared keys however the providers are written (property)", () => {
    const name = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/);
    const id = fc.stringMatching(/^[a-z][a-z0-9 ._-]{0,8}$/);
    const decoy = fc.constantFrom(
      '"""\n[model_providers.decoy]\nenv_key = "DECOY"\n"""',
      "'''\nenv_key = 'DECOY'\n'''",
      '[\n  "[model_providers.decoy]",\n  # env_key = "DECOY"\n]',
      '"env_key = \\"DECOY\\""',
    );
    const provider = fc.record({
      id,
      key: fc.option(name, { nil: undefined }),
      header: fc.option(name, { nil: undefined }),
      style: fc.constantFrom("table", "dotted", "inline", "top-dotted"),
      decoy,
    });
    fc.assert(
      fc.property(fc.uniqueArray(provider, { selector: (p) => p.id, maxLength: 5 }), (providers) => {
        const q = (s: string) => JSON.stringify(s);
        const top: string[] = [];
        const tables: string[] = [];
        const under: string[] = [];
        const expected = new Set<string>();
        for (const p of providers) {
          if (p.key) expected.add(p.key);
          if (p.header) expected.add(p.header);
          const pairs = [
            `notes = ${p.decoy}`,
            ...(p.key ? [`env_key = ${q(p.key)}`] : []),
            ...(p.header ? [`env_http_headers = { "X-H" = ${q(p.header)} }`] : []),
          ];
          if (p.style === "table") tables.push(`[model_providers.${q(p.id)}]`, ...pairs);
          else if (p.style === "dotted") under.push(...pairs.map((l) => `${q(p.id)}.${l}`));
          else if (p.style === "inline") under.push(`${q(p.id)} = { ${pairs.join(", ")} }`);
          else top.push(...pairs.map((l) => `model_providers.${q(p.id)}.${l}`));
        }
        // a [model_providers] table may not follow dotted top-level keys into it: top-level ones go first
        const usesTop = top.length > 0;
        const text = usesTop
          ? [...top, ...tables, ""].join("\n")
          : ["[model_providers]", ...under, ...tables, ""].join("\n");
        const want = usesTop
          ? new Set(
              providers
                .filter((p) => p.style === "table" || p.style === "top-dotted")
                .flatMap((p) => [p.key, p.header].filter((x): x is string => Boolean(x))),
            )
          : expected;
        expect(new Set(codexConfigEnvRefs(text))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe("openCodeConfigEnvRefs", () => {
  it("names every {env:NAME} anywhere in the text, as OpenCode substitutes them, and provider env lists", () => {
    const jsonc = `{
      // a comment with {env:IN_A_COMMENT}: OpenCode substitutes those too
      "provider": {
        "gw": {
          "npm": "@ai-sdk/openai-compatible",
          "env": ["GW_KEY_FROM_LIST",],
          "options": { "baseURL": "{env:GW_URL}", "apiKey": "{env:MY_OC_KEY}", "headers": { "X": "a{env:GW_ORG}b" } },
        },
        /* block */ "other": { "env": ["OTHER_KEY", 3] }
      },
    }`;
    expect([...openCodeConfigEnvRefs(jsonc)].sort()).toEqual(
      ["GW_KEY_FROM_LIST", "GW_ORG", "GW_URL", "IN_A_COMMENT", "MY_OC_KEY", "OTHER_KEY"].sort(),
    );
  });

  it("drops references that are no variable name and survives text that is not JSON", () => {
    expect(openCodeConfigEnvRefs('{"a": "{env: SPACED}", "b": "{env:$(id)}", "c": "{env:OK_1}"')).toEqual([
      "OK_1",
    ]);
  });
});

describe("agentConfigEnvRefs: the operator's configuration only", () => {
  it("reads Codex's config.toml from CODEX_HOME, else ~/.codex", () => {
    const home = path.join(dir, "home");
    fs.mkdirSync(path.join(home, ".codex"), { recursive: true });
    fs.writeFileSync(path.join(home, ".codex", "config.toml"), '[model_providers.a]\nenv_key = "HOME_KEY"\n');
    const codexHome = path.join(dir, "codex-home");
    fs.mkdirSync(codexHome);
    fs.writeFileSync(
      path.join(codexHome, "config.toml"),
      '[model_providers.a]\nenv_key = "CODEX_HOME_KEY"\n',
    );
    expect(agentConfigEnvRefs("codex", { HOME: home })).toEqual(["HOME_KEY"]);
    expect(agentConfigEnvRefs("codex", { HOME: home, CODEX_HOME: codexHome })).toEqual(["CODEX_HOME_KEY"]);
    expect(agentConfigEnvRefs("claude-code", { HOME: home, CODEX_HOME: codexHome })).toEqual([]);
  });

  it("reads OpenCode's global files, OPENCODE_CONFIG, OPENCODE_CONFIG_DIR and OPENCODE_CONFIG_CONTENT", () => {
    const home = path.join(dir, "home");
    const global = path.join(home, ".config", "opencode");
    fs.mkdirSync(global, { recursive: true });
    fs.writeFileSync(path.join(global, "opencode.jsonc"), '{ // c\n "x": "{env:GLOBAL_KEY}" }');
    const file = path.join(dir, "oc.json");
    fs.writeFileSync(file, '{"x": "{env:FILE_KEY}"}');
    const cfgDir = path.join(dir, "oc-dir");
    fs.mkdirSync(cfgDir);
    fs.writeFileSync(path.join(cfgDir, "opencode.json"), '{"x": "{env:DIR_KEY}"}');
    const names = agentConfigEnvRefs("opencode", {
      HOME: home,
      OPENCODE_CONFIG: file,
      OPENCODE_CONFIG_DIR: cfgDir,
      OPENCODE_CONFIG_CONTENT: '{"x": "{env:CONTENT_KEY}"}',
    });
    expect([...names].sort()).toEqual(["CONTENT_KEY", "DIR_KEY", "FILE_KEY", "GLOBAL_KEY"]);
  });

  it("never reads the repository's own config: relative paths and the working directory are not sources", () => {
    const repo = path.join(dir, "repo");
    fs.mkdirSync(path.join(repo, ".codex"), { recursive: true });
    fs.writeFileSync(path.join(repo, ".codex", "config.toml"), '[model_providers.a]\nenv_key = "REPO_KEY"\n');
    fs.writeFileSync(path.join(repo, "opencode.json"), '{"x": "{env:REPO_KEY}"}');
    const cwd = process.cwd();
    try {
      process.chdir(repo);
      const env = { HOME: path.join(dir, "nohome"), CODEX_HOME: ".codex", OPENCODE_CONFIG: "opencode.json" };
      expect(agentConfigEnvRefs("codex", env)).toEqual([]);
      expect(agentConfigEnvRefs("opencode", env)).toEqual([]);
      const sources = [
        ...agentConfigSources("codex", env).files,
        ...agentConfigSources("opencode", env).files,
      ];
      expect(sources.filter((f) => f.startsWith(repo))).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("reads and parses a file once while it is unchanged, and again after it changes", () => {
    const codexHome = path.join(dir, "codex");
    fs.mkdirSync(codexHome);
    const file = path.join(codexHome, "config.toml");
    fs.writeFileSync(file, '[model_providers.a]\nenv_key = "FIRST_KEY"\n');
    const reads = jest.spyOn(fs, "readFileSync");
    const env = { CODEX_HOME: codexHome };
    const readsOf = () => reads.mock.calls.filter((c) => c[0] === file).length;
    expect(agentConfigEnvRefs("codex", env)).toEqual(["FIRST_KEY"]);
    for (let k = 0; k < 50; k++) agentConfigEnvRefs("codex", env);
    expect(readsOf()).toBe(1);
    fs.writeFileSync(file, '[model_providers.a]\nenv_key = "SECOND_KEY_LONGER"\n');
    expect(agentConfigEnvRefs("codex", env)).toEqual(["SECOND_KEY_LONGER"]);
    expect(readsOf()).toBe(2);
    fs.rmSync(file);
    expect(agentConfigEnvRefs("codex", env)).toEqual([]);
  });

  it("ignores a config file over 1 MiB", () => {
    const codexHome = path.join(dir, "codex");
    fs.mkdirSync(codexHome);
    const big = '[model_providers.a]\nenv_key = "BIG_KEY"\n' + `# ${"x".repeat(1024 * 1024)}\n`;
    fs.writeFileSync(path.join(codexHome, "config.toml"), big);
    expect(agentConfigEnvRefs("codex", { CODEX_HOME: codexHome })).toEqual([]);
  });
});
