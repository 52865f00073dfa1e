// Each agent's CLI: found (MAESTRO_<AGENT>_BIN or PATH) and answering `--version`. An agent the operator named
// (MAESTRO_ALLOWED_AGENTS, or its MAESTRO_<AGENT>_BIN) must work; of the others, unnamed, at least one must.
import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";
import { AGENT_BIN_DEFAULTS, findExecutable, resolveAgentBin } from "../../agents/bin.js";
import type { AgentName } from "../../agents/types.js";
import { errorText, type CheckResult, type DoctorContext } from "./check.js";

const exec = promisify(execFile);
/** The CLIs are Node programs or big binaries; on a busy 2-core host `gemini --version` takes ≈ 4 s. */
export const VERSION_TIMEOUT_MS = 15_000;

type BuiltIn = Exclude<AgentName, "command">;
const BUILT_IN = Object.keys(AGENT_BIN_DEFAULTS) as BuiltIn[];
const INSTALL: Record<BuiltIn, string> = {
  "claude-code": "npm install -g @anthropic-ai/claude-code",
  codex: "npm install -g @openai/codex",
  gemini: "npm install -g @google/gemini-cli",
  opencode: "npm install -g opencode-ai",
};

/** The agents the operator allows: MAESTRO_ALLOWED_AGENTS, else every built-in one. */
function allowedAgents(env: NodeJS.ProcessEnv): { agents: BuiltIn[]; named: boolean } {
  const listed = (env.MAESTRO_ALLOWED_AGENTS ?? "")
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((a): a is BuiltIn => (BUILT_IN as string[]).includes(a));
  return listed.length > 0 ? { agents: listed, named: true } : { agents: BUILT_IN, named: false };
}

export async function checkAgents(ctx: DoctorContext): Promise<CheckResult[]> {
  const { env } = ctx;
  const { agents, named } = allowedAgents(env);
  const results = await Promise.all(
    agents.map((agent) =>
      checkAgent(agent, env, named || Boolean(env[AGENT_BIN_DEFAULTS[agent].envVar]?.trim())),
    ),
  );
  if (agents.length > 0 && results.every((r) => r.status !== "ok")) {
    // None of the allowed agents can start: every run would fail its preflight.
    for (const r of results) r.status = "fail";
  }
  return results;
}

async function checkAgent(agent: BuiltIn, env: NodeJS.ProcessEnv, required: boolean): Promise<CheckResult> {
  const name = `agent ${agent}`;
  const bin = resolveAgentBin(agent, env);
  const { envVar } = AGENT_BIN_DEFAULTS[agent];
  const found = findExecutable(bin, env.PATH ?? "");
  if (!found) {
    return {
      name,
      status: required ? "fail" : "warn",
      detail: `\`${bin}\` is not ${bin.includes("/") ? "an executable file" : "on PATH"}: runs that choose ${agent} fail`,
      fix: `install it (\`${INSTALL[agent]}\`) or set ${envVar} to its path${required ? "" : `; or leave ${agent} out of MAESTRO_ALLOWED_AGENTS`}`,
    };
  }
  try {
    // Only what a CLI needs to print its version: never the app's key or the agents' API keys.
    const { stdout, stderr } = await exec(found, ["--version"], {
      env: { PATH: env.PATH ?? "", HOME: env.HOME ?? os.homedir() },
      timeout: VERSION_TIMEOUT_MS,
      killSignal: "SIGKILL",
      maxBuffer: 1024 * 1024,
    });
    const version = (stdout.trim() || stderr.trim()).split("\n")[0]!.slice(0, 120);
    return { name, status: "ok", detail: `${found}: ${version}` };
  } catch (err) {
    const e = err as { killed?: boolean; stderr?: string; code?: unknown };
    const why = e.killed
      ? `no answer within ${VERSION_TIMEOUT_MS / 1000} s`
      : (e.stderr?.trim().split("\n").pop() || errorText(err)).slice(0, 300);
    return {
      name,
      status: required ? "fail" : "warn",
      detail: `\`${found} --version\` failed (${why})`,
      fix: `reinstall it (\`${INSTALL[agent]}\`), or set ${envVar} to a working binary`,
    };
  }
}
