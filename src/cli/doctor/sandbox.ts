// The sandbox agents and verify commands run in (DESIGN §11): required unless the operator turned it off.
import { resolveSandbox } from "../../sandbox/setup.js";
import { errorText, type CheckResult, type DoctorContext } from "./check.js";

export async function checkSandbox(ctx: DoctorContext): Promise<CheckResult> {
  try {
    const s = await resolveSandbox(ctx.env, "on");
    if (s.setup) return { name: "sandbox", status: "ok", detail: s.notice.replace(/^sandbox: /, "") };
    if (s.problem) {
      return {
        name: "sandbox",
        status: "fail",
        detail: s.problem,
        fix: "serve and worker refuse every run until the sandbox starts: fix the above (docs/troubleshooting.md#maestro-doctor), or, for a single-user machine only, MAESTRO_SANDBOX=off",
      };
    }
    return {
      name: "sandbox",
      status: "warn",
      detail: s.notice,
      fix: "install bubblewrap and socat and unset MAESTRO_SANDBOX, unless every repository and commenter is trusted",
    };
  } catch (err) {
    return {
      name: "sandbox",
      status: "fail",
      detail: errorText(err),
      fix: "correct the sandbox variables (MAESTRO_SANDBOX, MAESTRO_SANDBOX_ALLOW_HOSTS; docs/configuration.md)",
    };
  }
}
