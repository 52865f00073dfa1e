// The model an agent CLI will use when Maestro names none, read from the operator's own CLI config, so a
// session is priced by what actually runs (and a cost cap can refuse an unpriced model before it starts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { tomlStrings } from "./config-env-refs.js";

/** Codex: `model` of the active `profile` table, else the top-level `model` of $CODEX_HOME/config.toml. */
export function codexConfiguredModel(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.CODEX_HOME || path.join(env.HOME || os.homedir(), ".codex");
  let text: string;
  try {
    text = fs.readFileSync(path.join(home, "config.toml"), "utf8");
  } catch {
    return undefined;
  }
  const strings = tomlStrings(text);
  const at = (...path: string[]) =>
    strings.find((s) => s.path.length === path.length && s.path.every((p, i) => p === path[i]))?.value;
  const profile = at("profile");
  return (profile ? at("profiles", profile, "model") : undefined) ?? at("model");
}

/** OpenCode: the `model` ("provider/model") of OPENCODE_CONFIG_CONTENT, else of the file OPENCODE_CONFIG names. */
export function openCodeConfiguredModel(env: NodeJS.ProcessEnv): string | undefined {
  const fromJson = (text: string | undefined): string | undefined => {
    if (!text) return undefined;
    try {
      const value: unknown = JSON.parse(text);
      const model = (value as { model?: unknown } | null)?.model;
      return typeof model === "string" && model.length > 0 ? model : undefined;
    } catch {
      return undefined; // JSONC with comments: not read here; name the model with --model instead
    }
  };
  const fromFile = (file: string | undefined): string | undefined => {
    if (!file) return undefined;
    try {
      return fromJson(fs.readFileSync(file, "utf8"));
    } catch {
      return undefined;
    }
  };
  return fromJson(env.OPENCODE_CONFIG_CONTENT) ?? fromFile(env.OPENCODE_CONFIG);
}
