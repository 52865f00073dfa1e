// Run-log links in PRs and comments: MAESTRO_PUBLIC_URL answering /healthz from here, and a key to sign them.
import { errorText, type CheckResult, type DoctorContext } from "./check.js";

const NAME = "public URL";
export const PUBLIC_URL_TIMEOUT_MS = 5000;

/** None when MAESTRO_PUBLIC_URL is unset outside a deployment (links are serve's business). */
export async function checkPublicUrl(ctx: DoctorContext): Promise<CheckResult | undefined> {
  const url = ctx.env.MAESTRO_PUBLIC_URL?.trim().replace(/\/+$/, "");
  const signing = Boolean(ctx.env.MAESTRO_LOG_SIGNING_KEY?.trim());
  if (!url) {
    if (!ctx.deployment) return undefined;
    return {
      name: NAME,
      status: "warn",
      detail:
        "MAESTRO_PUBLIC_URL is not set: pull requests and status comments get no links to run logs and run pages",
      fix: "set MAESTRO_PUBLIC_URL to the https:// address where users reach `maestro serve`, and MAESTRO_LOG_SIGNING_KEY (`openssl rand -hex 32`)",
    };
  }
  let answered: string;
  try {
    const res = await fetch(`${url}/healthz`, {
      signal: AbortSignal.timeout(PUBLIC_URL_TIMEOUT_MS),
      redirect: "manual",
    });
    if (res.status !== 200) {
      return {
        name: NAME,
        status: "warn",
        detail: `${url}/healthz answered ${res.status}, not Maestro's 200: run-log links would not open`,
        fix: "make the address route to `maestro serve` (reverse proxy: forward every path, including /healthz and /maestro/runs/, to serve's PORT)",
      };
    }
    answered = `${url}/healthz answers`;
  } catch (err) {
    return {
      name: NAME,
      status: "warn",
      detail: `${url}/healthz is unreachable from here (${errorText(err)}): run-log links would not open`,
      fix: "start `maestro serve` and check DNS, TLS and the proxy/firewall in front of it; MAESTRO_PUBLIC_URL must be the address users' browsers reach",
    };
  }
  if (!signing) {
    return {
      name: NAME,
      status: "warn",
      detail: `${answered}, but MAESTRO_LOG_SIGNING_KEY is not set: no links are made without a key to sign them`,
      fix: "set MAESTRO_LOG_SIGNING_KEY (`openssl rand -hex 32`), the same on serve and every worker",
    };
  }
  return { name: NAME, status: "ok", detail: `${answered}; links are signed (MAESTRO_LOG_SIGNING_KEY set)` };
}
