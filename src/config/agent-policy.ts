// Which agents a shared Maestro runs for the repositories that install it (DESIGN §11): code a repository
// chooses runs only in the sandbox, and only as far as the operator allows. Defaults fit an app that many
// installations share: every built-in agent, but no `agentCommand` of a repository's choosing.
import { AGENT_NAMES, type AgentName } from "../agents/types.js";

export interface AgentPolicy {
  allowedAgents: AgentName[];
  /** May `.github/maestro.yml` choose the `command` agent's command? */
  repoAgentCommand: boolean;
  /** The operator's command for agent `command` (MAESTRO_AGENT_COMMAND), used when the repository names none. */
  operatorCommand?: string;
}

/** MAESTRO_ALLOWED_AGENTS, MAESTRO_REPO_AGENT_COMMAND, MAESTRO_AGENT_COMMAND. Throws on a bad value. */
export function agentPolicyFromEnv(env: NodeJS.ProcessEnv): AgentPolicy {
  const listed = (env.MAESTRO_ALLOWED_AGENTS ?? "")
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = listed.filter((a) => !(AGENT_NAMES as readonly string[]).includes(a));
  if (unknown.length > 0) {
    throw new Error(
      `MAESTRO_ALLOWED_AGENTS names unknown agent(s) ${unknown.join(", ")}; choose from ${AGENT_NAMES.join(", ")}`,
    );
  }
  const repo = env.MAESTRO_REPO_AGENT_COMMAND?.trim().toLowerCase() || "deny";
  if (repo !== "allow" && repo !== "deny") {
    throw new Error(
      `MAESTRO_REPO_AGENT_COMMAND must be "allow" or "deny", got ${JSON.stringify(env.MAESTRO_REPO_AGENT_COMMAND)}`,
    );
  }
  const operatorCommand = env.MAESTRO_AGENT_COMMAND?.trim();
  return {
    allowedAgents: listed.length > 0 ? (listed as AgentName[]) : [...AGENT_NAMES],
    repoAgentCommand: repo === "allow",
    ...(operatorCommand ? { operatorCommand } : {}),
  };
}

export type AgentChoice = { ok: true; agentCommand?: string } | { ok: false; refusal: string };

/** The command a run of `agent` may use under `policy`, or the reply that says why it may not run. */
export function applyAgentPolicy(
  policy: AgentPolicy,
  agent: AgentName,
  repoAgentCommand: string | undefined,
): AgentChoice {
  if (!policy.allowedAgents.includes(agent)) {
    return {
      ok: false,
      refusal:
        `The agent \`${agent}\` is not allowed on this Maestro (the operator's MAESTRO_ALLOWED_AGENTS). ` +
        `Choose one of: ${policy.allowedAgents.map((a) => `\`${a}\``).join(", ")} (\`agent:\` in \`.github/maestro.yml\` or \`--agent\`).`,
    };
  }
  if (agent !== "command") return { ok: true };
  if (repoAgentCommand && !policy.repoAgentCommand) {
    return {
      ok: false,
      refusal:
        "This Maestro does not run commands chosen by a repository (`agentCommand` in `.github/maestro.yml`): " +
        "they would run on a worker that other installations share. Choose a built-in agent, or ask the operator " +
        "to allow it (MAESTRO_REPO_AGENT_COMMAND=allow) or to set one command for all repositories (MAESTRO_AGENT_COMMAND).",
    };
  }
  const command = repoAgentCommand || policy.operatorCommand;
  if (!command) {
    return {
      ok: false,
      refusal:
        "The `command` agent needs a command, and none is set: the operator can set MAESTRO_AGENT_COMMAND" +
        (policy.repoAgentCommand ? ", or the repository `agentCommand` in `.github/maestro.yml`." : "."),
    };
  }
  return { ok: true, agentCommand: command };
}
