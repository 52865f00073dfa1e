// Installation clients and the bot's git identity, from the GitHub App's credentials (Probot).
import { Probot, ProbotOctokit } from "probot";
import type { GitIdentity } from "../engine/types.js";
import type { Octokit } from "../github/octokit.js";
import { withWriteLimiter, type WriteLimiter } from "../github/write-limiter.js";
import type { Installation } from "./deps.js";

export interface AppAuthOptions {
  appId: number;
  privateKey: string;
  /** GHE: `${protocol}://${host}/api/v3`. */
  baseUrl?: string;
  /** Tests: an Octokit class with retries/throttling tuned. */
  Octokit?: typeof ProbotOctokit;
  /** Write spacing shared with the other processes (src/github/write-limiter.ts); default: per process. */
  writeLimiter?: WriteLimiter;
}

export function createAppAuth(opts: AppAuthOptions): {
  probot: Probot;
  installation(installationId: number): Promise<Installation>;
} {
  const Octokit = opts.writeLimiter
    ? withWriteLimiter(opts.Octokit ?? ProbotOctokit, opts.writeLimiter)
    : opts.Octokit;
  const probot = new Probot({
    appId: opts.appId,
    privateKey: opts.privateKey,
    logLevel: "warn",
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...(Octokit ? { Octokit } : {}),
  });
  return {
    probot,
    async installation(installationId: number): Promise<Installation> {
      const octokit = (await probot.auth(installationId)) as Octokit;
      let cached: { token: string; expiresAt: number } | null = null;
      return {
        octokit,
        // Minted as the app through the configured API base URL (Octokit's own auth({type:
        // "installation"}) ignores a GHE baseUrl), kept until 5 minutes before it expires.
        async token() {
          if (cached && cached.expiresAt - Date.now() > 5 * 60_000) return cached.token;
          const appOctokit = (await probot.auth()) as Octokit;
          const { data } = await appOctokit.rest.apps.createInstallationAccessToken({
            installation_id: installationId,
          });
          if (!data.token) throw new Error("GitHub did not return an installation token.");
          cached = { token: data.token, expiresAt: Date.parse(data.expires_at) || Date.now() + 3600_000 };
          return data.token;
        },
      };
    },
  };
}

/** `<slug>[bot]` with the bot user's noreply address, as GitHub attributes commits to the app. */
export function botIdentity(slug: string, botUserId?: number): GitIdentity {
  const name = `${slug}[bot]`;
  return {
    name,
    email: botUserId ? `${botUserId}+${name}@users.noreply.github.com` : `${name}@users.noreply.github.com`,
  };
}

/**
 * Looks up the app's slug (as the app) and its bot user's id. The user lookup goes without
 * credentials: an app's JWT may only call /app routes, and there is no installation yet.
 */
export async function lookupBotIdentity(
  probot: Probot,
  baseUrl = "https://api.github.com",
): Promise<GitIdentity> {
  const appOctokit = (await probot.auth()) as Octokit;
  const { data: app } = await appOctokit.rest.apps.getAuthenticated();
  const slug = app?.slug;
  if (!slug) throw new Error("GitHub did not return the app's slug (GET /app).");
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, "")}/users/${encodeURIComponent(`${slug}[bot]`)}`, {
      headers: { accept: "application/vnd.github+json", "user-agent": "maestro-for-github" },
    });
    const user = (await res.json()) as { id?: unknown };
    return botIdentity(slug, res.ok && typeof user.id === "number" ? user.id : undefined);
  } catch {
    return botIdentity(slug);
  }
}
