// The model API endpoints an agent talks to, derived from its configuration (DESIGN §11): these, plus
// the operator's MAESTRO_SANDBOX_ALLOW_HOSTS, are all a sandboxed session can reach.
import fs from "node:fs";
import path from "node:path";
import type { AgentName } from "../agents/types.js";

const DEFAULTS: Record<AgentName, { vars: string[]; fallback: string[] }> = {
  "claude-code": { vars: ["ANTHROPIC_BASE_URL"], fallback: ["https://api.anthropic.com"] },
  codex: { vars: ["OPENAI_BASE_URL", "CODEX_BASE_URL"], fallback: ["https://api.openai.com"] },
  gemini: {
    vars: ["GOOGLE_GEMINI_BASE_URL", "GOOGLE_VERTEX_BASE_URL"],
    fallback: ["https://generativelanguage.googleapis.com"],
  },
  opencode: {
    vars: ["ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"],
    fallback: ["https://api.anthropic.com", "https://api.openai.com"],
  },
  command: { vars: [], fallback: [] },
};

/** `base_url = "…"` / `"baseURL": "…"` values in an agent's config text. */
function configuredUrls(text: string): string[] {
  const urls: string[] = [];
  for (const m of text.matchAll(/\b(?:base_url|baseURL|baseUrl)\b["']?\s*[=:]\s*["']([^"'\s]+)["']/g)) {
    urls.push(m[1]!);
  }
  return urls;
}

function readSmall(file: string): string {
  try {
    const st = fs.statSync(file);
    return st.isFile() && st.size < 1024 * 1024 ? fs.readFileSync(file, "utf8") : "";
  } catch {
    return "";
  }
}

/** URLs (or host:port) of the agent's model API(s). An explicit base URL replaces the vendor default. */
export function agentEndpoints(agent: AgentName, env: NodeJS.ProcessEnv): string[] {
  const { vars, fallback } = DEFAULTS[agent];
  const set = vars.map((v) => env[v]?.trim()).filter((v): v is string => Boolean(v));
  if (agent === "codex") {
    const home = env.CODEX_HOME || (env.HOME ? path.join(env.HOME, ".codex") : "");
    if (home) set.push(...configuredUrls(readSmall(path.join(home, "config.toml"))));
  }
  if (agent === "opencode") {
    set.push(...configuredUrls(env.OPENCODE_CONFIG_CONTENT ?? ""));
    if (env.OPENCODE_CONFIG) set.push(...configuredUrls(readSmall(env.OPENCODE_CONFIG)));
  }
  return set.length > 0 ? [...new Set(set)] : fallback;
}
