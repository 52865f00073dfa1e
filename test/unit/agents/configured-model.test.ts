import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";
import { codexConfiguredModel, openCodeConfiguredModel } from "../../../src/agents/configured-model.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function codexHome(toml: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-codex-model-"));
  dirs.push(d);
  fs.writeFileSync(path.join(d, "config.toml"), toml);
  return d;
}

describe("the model an agent CLI will use, from the operator's config (issue 13: priced by what runs)", () => {
  it("Codex: the active profile's model, else the top-level one; a model inside a provider table is not it", () => {
    const toml = [
      'model = "gpt-5-mini"',
      'profile = "fast"',
      "[model_providers.gw]",
      'model = "not-this-one"',
      "[profiles.fast]",
      'model = "gpt-5-nano" # the profile wins',
    ].join("\n");
    expect(codexConfiguredModel({ CODEX_HOME: codexHome(toml) })).toBe("gpt-5-nano");
    expect(codexConfiguredModel({ CODEX_HOME: codexHome('model = "o3"\n[profiles.x]\nmodel = "y"\n') })).toBe(
      "o3",
    );
    expect(
      codexConfiguredModel({ CODEX_HOME: codexHome("[model_providers.gw]\nname = 'x'\n") }),
    ).toBeUndefined();
    expect(codexConfiguredModel({ CODEX_HOME: "/nonexistent" })).toBeUndefined();
  });

  it("OpenCode: OPENCODE_CONFIG_CONTENT's model, else the OPENCODE_CONFIG file's", () => {
    expect(openCodeConfiguredModel({ OPENCODE_CONFIG_CONTENT: '{"model":"local/qwen"}' })).toBe("local/qwen");
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-oc-model-"));
    dirs.push(d);
    fs.writeFileSync(path.join(d, "oc.json"), '{"model":"openai/gpt-5"}');
    expect(openCodeConfiguredModel({ OPENCODE_CONFIG: path.join(d, "oc.json") })).toBe("openai/gpt-5");
    expect(openCodeConfiguredModel({ OPENCODE_CONFIG_CONTENT: "not json" })).toBeUndefined();
  });
});
