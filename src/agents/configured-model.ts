// The model an agent CLI will use when Maestro names none, read from the operator's own CLI config, so a
// session is priced by what actually runs (and a cost cap can refuse an unpriced model before it starts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Codex: `model` of the active `profile` table, else the top-level `model` of $CODEX_HOME/config.toml. */
export function codexConfiguredModel(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.CODEX_HOME || path.join(env.HOME || os.homedir(), ".codex");
  let text: string;
  try {
    text = fs.readFileSync(path.join(home, "config.toml"), "utf8");
  } catch {
    return undefined;
  }
  const tables = tomlStringKeys(text);
  const top = tables.get("") ?? {};
  const profile = top.profile;
  return (profile ? tables.get(`profiles.${profile}`)?.model : undefined) ?? top.model;
}

/**
 * `key = "string"` pairs per table (`[a.b]` header; "" for the top level). A deliberately small reader: only
 * basic and literal strings on one line, which is how Codex writes and documents `model` and `profile`.
 */
function tomlStringKeys(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>([["", {}]]);
  let table = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[\s*([^\][]+?)\s*\]$/.exec(line);
    if (header) {
      table = header[1]!.replace(/\s*\.\s*/g, ".").replace(/"/g, "");
      if (!out.has(table)) out.set(table, {});
      continue;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(?:#.*)?$/.exec(line);
    if (pair) out.get(table)![pair[1]!] = pair[2] !== undefined ? JSON.parse(`"${pair[2]}"`) : pair[3]!;
  }
  return out;
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
