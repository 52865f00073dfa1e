// From the operator's settings and this machine to the sandbox a run uses (DESIGN §11): on and able to
// start, off by explicit choice, or wanted but unable to start (then `problem` says what is missing).
import { sandboxPolicyFromEnv, type SandboxMode } from "./policy.js";
import { probeSandbox } from "./probe.js";
import type { SandboxSetup } from "./run-sandbox.js";

export interface ResolvedSandbox {
  setup?: SandboxSetup;
  /** Wanted but cannot start: what is missing and how to fix it. */
  problem?: string;
  /** One line for the operator about what runs where. */
  notice: string;
}

export const SANDBOX_OFF_WARNING =
  "WARNING: the sandbox is off (MAESTRO_SANDBOX=off). Agents and verify commands run as this process, " +
  "beside its files and network; agents are kept to their edit-only modes. See docs/security.md.";

/** `defaultMode`: "on" for serve and worker, "auto" for maestro run. `forceOff`: --no-sandbox. */
export async function resolveSandbox(
  env: NodeJS.ProcessEnv,
  defaultMode: SandboxMode,
  forceOff = false,
): Promise<ResolvedSandbox> {
  const policy = sandboxPolicyFromEnv(env, defaultMode);
  if (forceOff) {
    return { notice: "sandbox: off (--no-sandbox); the agent runs as you, in its edit-only mode" };
  }
  if (policy.mode === "off") return { notice: SANDBOX_OFF_WARNING };
  const probe = await probeSandbox(env);
  if (probe.ok) {
    const extra = policy.allowHosts.length ? ` + ${policy.allowHosts.join(", ")}` : "";
    return {
      setup: { policy, bwrap: probe.bwrap, socat: probe.socat },
      notice: `sandbox: on (${probe.version}); network: the agent's model API${extra}`,
    };
  }
  if (policy.mode === "auto") {
    return {
      notice: `sandbox: unavailable (${probe.problem}); running without it, the agent in its edit-only mode. --no-sandbox silences this`,
    };
  }
  return { problem: probe.problem, notice: `ERROR: the sandbox cannot start: ${probe.problem}` };
}
