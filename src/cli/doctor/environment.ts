// The environment parses: the same validation serve and worker do at start-up (DESIGN §10).
import { agentPolicyFromEnv } from "../../config/agent-policy.js";
import { loadEnvConfig, type EnvConfig } from "../../config/env.js";
import { parseLogLevel } from "../../logging/logger.js";
import type { CheckResult, DoctorContext } from "./check.js";

export function checkEnvironment(ctx: DoctorContext): { result: CheckResult; config?: EnvConfig } {
  const problems: string[] = [];
  let config: EnvConfig | undefined;
  try {
    config = loadEnvConfig(ctx.env);
  } catch (err) {
    problems.push(...(err as Error).message.replace(/^Invalid environment:\n/, "").split("\n"));
  }
  for (const check of [() => agentPolicyFromEnv(ctx.env), () => parseLogLevel(ctx.env.LOG_LEVEL)]) {
    try {
      check();
    } catch (err) {
      problems.push(`- ${(err as Error).message}`);
    }
  }
  if (problems.length === 0)
    return {
      result: { name: "environment", status: "ok", detail: "the variables parse" },
      ...(config ? { config } : {}),
    };
  return {
    result: {
      name: "environment",
      status: "fail",
      detail: `serve and worker would refuse to start: ${problems.map((p) => p.replace(/^- /, "")).join(" ")}`,
      fix: "correct or unset the variables named above (docs/configuration.md lists each one)",
    },
    ...(config ? { config } : {}),
  };
}
