// The environment a child process (agent, verify command, git) gets: an allowlist, then a denylist as a second fence.
// Never pass process.env through whole: the worker holds the installation token, the app key and Redis credentials.
// Agents also get what their operator-written configuration names (Codex `env_key`, OpenCode `{env:NAME}`) and what
// the operator lists in MAESTRO_AGENT_ENV; the denylist fences those too.
import { agentConfigEnvRefs } from "../agents/config-env-refs.js";
import { AGENT_NAMES, type AgentName } from "../agents/types.js";

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
 * - codex: `OPENAI_*`, `CODEX_HOME`, `CODEX_API_KEY` (Codex's own API-key variable for `codex exec`); the variables its
 *   config.toml names come from agentConfigEnvRefs.
 * - opencode: its own `OPENCODE_*`, `ANTHROPIC_*`, `OPENAI_*`, and the key variables OpenCode reads for the providers
 *   whose AI SDK package it bundles (their models.dev `env` names). Not `AWS_*` (Bedrock): those are often the
 *   worker's own cloud credentials — an operator who means them lists them in MAESTRO_AGENT_ENV.
 * - verify: `CI` and `NODE_ENV` only; NODE_OPTIONS and npm_config_* stay out (they can load code or change registries).
 * - git: nothing beyond the base; the worker passes what git needs (e.g. GIT_TERMINAL_PROMPT) through `extra`.
 */
export const AGENT_ENV_PREFIXES: Readonly<Record<ChildEnvProfile, readonly string[]>> = {
  "claude-code": ["ANTHROPIC_", "CLAUDE_CODE_", "CLAUDE_CONFIG_DIR", "DISABLE_"],
  codex: ["OPENAI_", "CODEX_HOME", "CODEX_API_KEY"],
  opencode: [
    "OPENCODE_",
    "ANTHROPIC_",
    "OPENAI_",
    // @ai-sdk/google, google-vertex, azure, xai, mistral, groq, cohere, togetherai, deepinfra, cerebras, perplexity,
    // gateway, alibaba; @openrouter/ai-sdk-provider (names as OpenCode 1.18's bundled models.dev snapshot has them)
    "GOOGLE_GENERATIVE_AI_API_KEY",
    "GOOGLE_VERTEX_PROJECT",
    "GOOGLE_VERTEX_LOCATION",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AZURE_RESOURCE_NAME",
    "AZURE_API_KEY",
    "XAI_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "COHERE_API_KEY",
    "TOGETHER_API_KEY",
    "DEEPINFRA_API_KEY",
    "CEREBRAS_API_KEY",
    "PERPLEXITY_API_KEY",
    "AI_GATEWAY_API_KEY",
    "DASHSCOPE_API_KEY",
    "OPENROUTER_API_KEY",
  ],
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
  "MAESTRO_ADMIN_TOKEN",
  "GIT_*",
];

/**
 * Never passed on a configuration's say-so (a config reference or MAESTRO_AGENT_ENV): they change how every program
 * in the session starts (NODE_OPTIONS can --require code; the loader variables preload libraries).
 */
export const STARTUP_ENV: readonly string[] = ["NODE_OPTIONS", "LD_*", "DYLD_*", "BASH_ENV"];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const AGENT_PROFILES: ReadonlySet<string> = new Set(AGENT_NAMES);

function matches(name: string, pattern: string): boolean {
  if (pattern.endsWith("*")) return name.startsWith(pattern.slice(0, -1));
  if (pattern.endsWith("_")) return name.startsWith(pattern);
  return name === pattern;
}

/** True when a variable of this name must never reach a child from the inherited env. */
export function isDeniedEnvName(name: string): boolean {
  return DENIED_ENV.some((p) => matches(name, p));
}

/** A name a configuration (agent config reference, MAESTRO_AGENT_ENV) may bring to an agent. */
function passableByConfig(name: string): boolean {
  return ENV_NAME.test(name) && !isDeniedEnvName(name) && !STARTUP_ENV.some((p) => matches(name, p));
}

/** Each profile's allowlist (base included) split into exact names and prefixes, once. */
const ALLOWLISTS = new Map<ChildEnvProfile, { exact: ReadonlySet<string>; prefixes: readonly string[] }>(
  (Object.keys(AGENT_ENV_PREFIXES) as ChildEnvProfile[]).map((profile) => {
    const entries = AGENT_ENV_PREFIXES[profile];
    const isPrefix = (p: string) => p.endsWith("*") || p.endsWith("_");
    return [
      profile,
      {
        exact: new Set([...BASE_ENV_NAMES, ...entries.filter((p) => !isPrefix(p))]),
        prefixes: [...BASE_ENV_PREFIXES, ...entries.filter(isPrefix).map((p) => p.replace(/\*$/, ""))],
      },
    ];
  }),
);

function isAllowed(name: string, profile: ChildEnvProfile): boolean {
  const list = ALLOWLISTS.get(profile)!;
  return list.exact.has(name) || list.prefixes.some((p) => name.startsWith(p));
}

// ---------------------------------------------------------------------------------------------------------------
// MAESTRO_AGENT_ENV: the operator's list of further variables every agent gets.

export interface AgentEnvList {
  /** Exact names, or prefixes ending in `*` (e.g. `OPENROUTER_*`). */
  patterns: string[];
  /** One sentence per refused entry: what is wrong and how to fix it. */
  problems: string[];
}

/** Denied or startup patterns an entry would also cover (a prefix entry may be broader than one of them). */
function overlaps(entry: string, fence: readonly string[]): string[] {
  if (!entry.endsWith("*")) return fence.filter((p) => matches(entry, p));
  const prefix = entry.slice(0, -1);
  return fence.filter((p) => {
    const isPrefix = p.endsWith("*") || p.endsWith("_");
    const fixed = p.endsWith("*") ? p.slice(0, -1) : p;
    return isPrefix ? fixed.startsWith(prefix) || prefix.startsWith(fixed) : fixed.startsWith(prefix);
  });
}

const parsedLists = new Map<string, AgentEnvList>();

/**
 * Parses MAESTRO_AGENT_ENV: names separated by commas (or whitespace), each exact or a prefix with a trailing `*`.
 * Entries that are no variable name, `*` alone, or that would cover a denied or startup variable are refused with
 * a sentence in `problems` (src/config/env.ts turns them into a start-up error); the rest are in `patterns`.
 */
export function parseAgentEnvList(value: string | undefined): AgentEnvList {
  const key = value ?? "";
  const hit = parsedLists.get(key);
  if (hit) return hit;
  const patterns: string[] = [];
  const problems: string[] = [];
  for (const entry of key.split(/[,\s]+/).filter(Boolean)) {
    const q = JSON.stringify(entry);
    const name = entry.endsWith("*") ? entry.slice(0, -1) : entry;
    if (entry === "*") {
      problems.push(
        `${q}: it would pass every variable of the worker; list the names, or a prefix such as OPENROUTER_*`,
      );
    } else if (!ENV_NAME.test(name)) {
      problems.push(
        `${q}: not a variable name; use letters, digits and _ (not starting with a digit), with a trailing * for a prefix, e.g. MY_GATEWAY_KEY or OPENROUTER_*`,
      );
    } else if (overlaps(entry, DENIED_ENV).length > 0) {
      const hits = overlaps(entry, DENIED_ENV).join(", ");
      problems.push(
        entry.endsWith("*")
          ? `${q}: it also covers the worker's own secrets (${hits}), never passed to an agent; name a narrower prefix or the exact variables`
          : `${q}: one of the worker's own secrets (${hits}), never passed to an agent; remove it`,
      );
    } else if (overlaps(entry, STARTUP_ENV).length > 0) {
      const hits = overlaps(entry, STARTUP_ENV).join(", ");
      problems.push(
        entry.endsWith("*")
          ? `${q}: it also covers ${hits}, which change how every program starts and never reach an agent; name the exact variables (e.g. NODE_EXTRA_CA_CERTS)`
          : `${q}: it changes how every program starts (${hits}) and never reaches an agent; remove it`,
      );
    } else if (!patterns.includes(entry)) patterns.push(entry);
  }
  const list = { patterns, problems };
  if (parsedLists.size >= 16) parsedLists.clear();
  parsedLists.set(key, list);
  return list;
}

/**
 * Builds a child's env from `base` through the allowlist of `profile`, then the denylist.
 * For an agent profile the allowlist also holds the variables the operator's configuration of that agent names
 * (src/agents/config-env-refs.ts) and those `base.MAESTRO_AGENT_ENV` lists; those must also be valid names and not
 * STARTUP_ENV.
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
  // Beyond the allowlist, for agents: exact names (config references, MAESTRO_AGENT_ENV) and MAESTRO_AGENT_ENV prefixes.
  const exact = new Set<string>();
  const prefixes: string[] = [];
  if (AGENT_PROFILES.has(profile)) {
    for (const name of agentConfigEnvRefs(profile as AgentName, base)) exact.add(name);
    for (const p of parseAgentEnvList(base.MAESTRO_AGENT_ENV).patterns) {
      if (p.endsWith("*")) prefixes.push(p.slice(0, -1));
      else exact.add(p);
    }
  }
  const more = exact.size > 0 || prefixes.length > 0;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const pass = isAllowed(name, profile)
      ? !isDeniedEnvName(name)
      : more && (exact.has(name) || prefixes.some((p) => name.startsWith(p))) && passableByConfig(name);
    if (pass) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra ?? {})) {
    const gitOwn = profile === "git" && name.startsWith("GIT_");
    if (isDeniedEnvName(name) && !gitOwn) continue;
    env[name] = value;
  }
  return env;
}
