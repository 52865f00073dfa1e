// The GitHub App's credentials, and that the key belongs to the app: one request GitHub answers only for a
// JWT signed by the app's current key (GET /app), against github.com or GHE_HOST (GHE_PROTOCOL).
import { createPrivateKey, sign } from "node:crypto";
import { loadEnvConfig } from "../../config/env.js";
import { readAppCredentials } from "../serve.js";
import { errorText, needed, type CheckResult, type DoctorContext } from "./check.js";

const NAME = "GitHub App";
const TIMEOUT_MS = 10_000;

/** GitHub's REST base: https://api.github.com, or {GHE_PROTOCOL}://{GHE_HOST}/api/v3 (as serve and worker use). */
export function apiBaseUrl(env: NodeJS.ProcessEnv): string {
  try {
    const cfg = loadEnvConfig(env);
    return cfg.gheHost ? `${cfg.gheProtocol}://${cfg.gheHost}/api/v3` : "https://api.github.com";
  } catch {
    return "https://api.github.com";
  }
}

/** An app JWT as GitHub wants it: RS256, iss = app id, issued a minute ago (clock drift), valid 9 minutes. */
export function appJwt(appId: number, privateKey: string, now = Date.now()): string {
  const seconds = Math.floor(now / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: seconds - 60, exp: seconds + 540, iss: appId })}`;
  const signature = sign("RSA-SHA256", Buffer.from(unsigned), createPrivateKey(privateKey)).toString(
    "base64url",
  );
  return `${unsigned}.${signature}`;
}

export async function checkGitHubApp(ctx: DoctorContext): Promise<CheckResult> {
  const { env } = ctx;
  const anySet = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH"].some((v) => env[v]?.trim());
  if (!anySet) {
    return {
      name: NAME,
      status: needed(ctx),
      detail:
        "not configured (APP_ID and PRIVATE_KEY_PATH or PRIVATE_KEY unset): serve and worker need them; `maestro run` does not",
      fix: "register the app with `maestro setup`, or copy the App ID and a private key (.pem) from the app's settings page into APP_ID and PRIVATE_KEY_PATH",
    };
  }
  let creds;
  try {
    // The webhook secret has its own check.
    creds = readAppCredentials({ ...env, WEBHOOK_SECRET: "checked-separately" });
  } catch (err) {
    const problems = (err as Error).message
      .split("\n")
      .slice(1)
      .map((l) => l.replace(/^- /, ""));
    return {
      name: NAME,
      status: "fail",
      detail: problems.join("; "),
      fix: "set APP_ID to the App ID and PRIVATE_KEY_PATH to the .pem file from the app's settings page (Private keys → Generate a private key)",
    };
  }
  const base = apiBaseUrl(env);
  let jwt: string;
  try {
    jwt = appJwt(creds.appId, creds.privateKey);
  } catch (err) {
    return {
      name: NAME,
      status: "fail",
      detail: `the private key cannot sign (${errorText(err)})`,
      fix: "download a new private key from the app's settings page and point PRIVATE_KEY_PATH at it",
    };
  }
  let res: Response;
  try {
    res = await fetch(`${base}/app`, {
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${jwt}`,
        "user-agent": "maestro-doctor",
        "x-github-api-version": "2022-11-28",
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    return {
      name: NAME,
      status: "fail",
      detail: `GET ${base}/app did not answer (${errorText(err)})`,
      fix: "check this host's network, proxy and DNS; on GitHub Enterprise Server check GHE_HOST and GHE_PROTOCOL",
    };
  }
  const body = (await res.json().catch(() => ({}))) as { slug?: string; id?: number; message?: string };
  if (res.ok) {
    return {
      name: NAME,
      status: "ok",
      detail: `the key signs for app ${body.slug ?? "?"} (APP_ID ${creds.appId}) at ${base}`,
    };
  }
  const said = body.message ? `: ${body.message}` : "";
  if (res.status === 401) {
    const clock = /\b(iat|exp)\b|expir|future|past/i.test(body.message ?? "");
    return {
      name: NAME,
      status: "fail",
      detail: `GitHub refused the app's JWT (GET /app → 401${said}): ${
        clock
          ? "this host's clock is off"
          : `the private key is not a current key of app ${creds.appId}, or APP_ID is wrong`
      }`,
      fix: clock
        ? "synchronise the clock (NTP: `timedatectl set-ntp true`)"
        : "on the app's settings page check the App ID, generate a new private key and point PRIVATE_KEY_PATH at the downloaded .pem (a revoked or another app's key gets 401)",
    };
  }
  return {
    name: NAME,
    status: "fail",
    detail: `GET ${base}/app answered ${res.status}${said}`,
    fix:
      res.status === 404
        ? "the API URL is wrong: check GHE_HOST (host[:port] of GitHub Enterprise Server, no path) and GHE_PROTOCOL, or unset them for github.com"
        : "GitHub may be having trouble (https://www.githubstatus.com); run maestro doctor again later",
  };
}

export function checkWebhookSecret(ctx: DoctorContext): CheckResult {
  const secret = ctx.env.WEBHOOK_SECRET?.trim();
  if (!secret) {
    return {
      name: "webhook secret",
      status: needed(ctx),
      detail:
        "WEBHOOK_SECRET is not set: serve refuses to start without it (a worker-only host does not need it)",
      fix: "set WEBHOOK_SECRET to the secret entered on the app's settings page (Webhook secret); a new one: `openssl rand -hex 32`, entered in both places",
    };
  }
  if (secret.length < 16) {
    return {
      name: "webhook secret",
      status: "warn",
      detail: `WEBHOOK_SECRET is set but short (${secret.length} characters): easy to guess, so anyone could send forged deliveries`,
      fix: "generate a long one (`openssl rand -hex 32`) and set it both in WEBHOOK_SECRET and on the app's settings page",
    };
  }
  return { name: "webhook secret", status: "ok", detail: "WEBHOOK_SECRET is set" };
}
