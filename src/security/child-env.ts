// The environment a child process (agent, verify command, git) gets: an allowlist, then a denylist as a second fence.
// Never pass process.env through whole: the worker holds the installation token, the app key and Redis credentials.
import type { AgentName } from "../agents/types.js";

export type ChildEnvProfile = AgentName | "verify" | "git";

/** Variables every child gets when set: locale, paths, terminal and proxies (exact names). */
export const BASE_ENV_NAMES: readonly string[] = [
  "PATH",
  "HOME",
  "LANG",
  "TZ",
  "TMPDIR",
  "TERM",
  "USER",
  "SHELL",
  "NO_COLOR",
  "FORCE_COLOR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];
/** Prefixes every child gets (locale categories). */
export const BASE_ENV_PREFIXES: readonly string[] = ["LC_"];

/**
 * Per-profile extras. Entries ending in `_` (or `*`-free prefixes) match by prefix; others exactly.
 * - command: only `MAESTRO_AGENT_*`, the operator's channel to a custom agent (e.g. MAESTRO_AGENT_API_KEY).
 *   MAESTRO_RUN_ID/TASK_INDEX/WORKTREE/PROMPT_FILE/MODEL are set by the adapter itself, not inherited.
 * - opencode: its own `OPENCODE_*` plus the provider keys it calls (`ANTHROPIC_*`, `OPENAI_*`).
 * - verify: `CI` and `NODE_ENV` only; NODE_OPTIONS and npm_config_* stay out (they can load code or change registries).
 * - git: nothing beyond the base; the worker passes what git needs (e.g. GIT_TERMINAL_PROMPT) through `extra`.
 */
export const AGENT_ENV_PREFIXES: Readonly<Record<ChildEnvProfile, readonly string[]>> = {
  "claude-code": ["ANTHROPIC_", "CLAUDE_CODE_", "CLAUDE_CONFIG_DIR", "DISABLE_"],
  codex: ["OPENAI_", "CODEX_HOME"],
  opencode: ["OPENCODE_", "ANTHROPIC_", "OPENAI_"],
  gemini: ["GEMINI_", "GOOGLE_"],
  command: ["MAESTRO_AGENT_"],
  verify: ["CI", "NODE_ENV"],
  git: [],
};

/** Never passed from the base env, whatever the allowlist says (exact names or prefixes ending in `_`/`*`). */
export const DENIED_ENV: readonly string[] = [
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GITHUB_*",
  "GH_*",
  "PRIVATE_KEY*",
  "WEBHOOK_SECRET",
  "APP_ID",
  "REDIS_URL",
  "MAESTRO_LOG_SIGNING_KEY",
  "GIT_*",
];

function matches(name: string, pattern: string): boolean {
  if (pattern.endsWith("*")) return name.startsWith(pattern.slice(0, -1));
  if (pattern.endsWith("_")) return name.startsWith(pattern);
  return name === pattern;
}

/** True when a variable of this name must never reach a child from the inherited env. */
export function isDeniedEnvName(name: string): boolean {
  return DENIED_ENV.some((p) => matches(name, p));
}

function isAllowed(name: string, profile: ChildEnvProfile): boolean {
  if (BASE_ENV_NAMES.includes(name)) return true;
  if (BASE_ENV_PREFIXES.some((p) => name.startsWith(p))) return true;
  return AGENT_ENV_PREFIXES[profile].some((p) => matches(name, p));
}

/**
 * Builds a child's env from `base` through the allowlist of `profile`, then the denylist.
 * `extra` is what Maestro itself sets (e.g. MAESTRO_RUN_ID); it is applied last and is not filtered by the
 * allowlist (the caller chose it), but the denylist still removes secret names (GIT_* excepted for the git profile).
 */
export function buildChildEnv(
  base: NodeJS.ProcessEnv,
  profile: ChildEnvProfile,
  extra?: Record<string, string>,
): Record<string, string> {
  if (!(profile in AGENT_ENV_PREFIXES)) {
    throw new Error(
      `unknown child env profile '${String(profile)}'; expected one of ${Object.keys(AGENT_ENV_PREFIXES).join(", ")}`,
    );
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (!isAllowed(name, profile)) continue;
    if (isDeniedEnvName(name)) continue;
    env[name] = value;
  }
  for (const [name, value] of Object.entries(extra ?? {})) {
    const gitOwn = profile === "git" && name.startsWith("GIT_");
    if (isDeniedEnvName(name) && !gitOwn) continue;
    env[name] = value;
  }
  return env;
}
