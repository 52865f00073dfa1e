// What the operator decided about the sandbox (DESIGN §11, docs/security.md): whether agents and verify
// commands run in it, which extra hosts they may reach and which extra paths they may read.
export type SandboxMode = "on" | "off" | "auto";

export interface SandboxPolicy {
  /** on: required; auto: used when it can start (maestro run), off: never (the operator's explicit choice). */
  mode: SandboxMode;
  /** Hosts (`host`, `host:port`, `*.domain`, URLs) every sandboxed process may reach, beside the agent's API. */
  allowHosts: string[];
  /** Host paths mounted read-only in the sandbox (e.g. a custom agent's install dir). */
  readPaths: string[];
  /** full (default): agents get their whole toolset inside the sandbox; restricted: their edit-only modes. */
  agentPermissions: "full" | "restricted";
}

export class SandboxConfigError extends Error {
  override name = "SandboxConfigError";
}

function list(value: string | undefined, sep: RegExp): string[] {
  return (value ?? "")
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** MAESTRO_SANDBOX, MAESTRO_SANDBOX_ALLOW_HOSTS, MAESTRO_SANDBOX_READ_PATHS, MAESTRO_AGENT_PERMISSIONS. */
export function sandboxPolicyFromEnv(env: NodeJS.ProcessEnv, defaultMode: SandboxMode): SandboxPolicy {
  const raw = env.MAESTRO_SANDBOX?.trim().toLowerCase();
  const mode = raw ? raw : defaultMode;
  if (mode !== "on" && mode !== "off" && mode !== "auto") {
    throw new SandboxConfigError(
      `MAESTRO_SANDBOX must be "on", "off" or "auto", got ${JSON.stringify(env.MAESTRO_SANDBOX)}`,
    );
  }
  const perms = env.MAESTRO_AGENT_PERMISSIONS?.trim().toLowerCase() || "full";
  if (perms !== "full" && perms !== "restricted") {
    throw new SandboxConfigError(
      `MAESTRO_AGENT_PERMISSIONS must be "full" or "restricted", got ${JSON.stringify(env.MAESTRO_AGENT_PERMISSIONS)}`,
    );
  }
  const readPaths = list(env.MAESTRO_SANDBOX_READ_PATHS, /:/);
  const relative = readPaths.find((p) => !p.startsWith("/"));
  if (relative !== undefined) {
    throw new SandboxConfigError(
      `MAESTRO_SANDBOX_READ_PATHS holds ${JSON.stringify(relative)}: give absolute paths, separated by ':'`,
    );
  }
  return {
    mode,
    allowHosts: list(env.MAESTRO_SANDBOX_ALLOW_HOSTS, /[,\s]+/),
    readPaths,
    agentPermissions: perms,
  };
}
