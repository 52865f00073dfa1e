// `maestro setup` (DESIGN §9): the GitHub App manifest built from app.yml, and where GitHub takes it.
// https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

/** app.yml of this package: next to package.json, three levels above src/setup/ and dist/setup/. */
export const APP_YML = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../app.yml");

/** What app.yml says about the app (the fields a manifest takes from it). */
export interface AppDefinition {
  name: string;
  description?: string;
  url: string;
  public: boolean;
  defaultPermissions: Record<string, "read" | "write">;
  defaultEvents: string[];
}

/** The JSON GitHub's "new app from manifest" page takes (the `manifest` form field). */
export interface AppManifest {
  name: string;
  url: string;
  description?: string;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  public: boolean;
  default_permissions: Record<string, "read" | "write">;
  default_events: string[];
}

/** GitHub's limit on an app's name. */
export const MAX_APP_NAME = 34;
const LOGIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

export function readAppDefinition(file = APP_YML): AppDefinition {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`Cannot read the app definition ${file}: ${(err as Error).message}`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const str = (k: string) => (typeof d[k] === "string" && d[k] !== "" ? d[k] : undefined);
  if (!str("name")) problems.push("name is missing");
  if (!str("url")) problems.push("url is missing (the app's homepage)");
  const perms = d.default_permissions;
  const defaultPermissions: Record<string, "read" | "write"> = {};
  if (!perms || typeof perms !== "object") problems.push("default_permissions is missing");
  else
    for (const [k, v] of Object.entries(perms)) {
      if (v === "read" || v === "write") defaultPermissions[k] = v;
      else problems.push(`default_permissions.${k} must be read or write, got ${JSON.stringify(v)}`);
    }
  const events = d.default_events;
  if (!Array.isArray(events) || events.some((e) => typeof e !== "string"))
    problems.push("default_events must be a list of event names");
  if (problems.length > 0)
    throw new Error(`The app definition ${file} is not usable: ${problems.join("; ")}`);
  return {
    name: str("name")!,
    ...(str("description") ? { description: str("description")! } : {}),
    url: str("url")!,
    public: d.public === true,
    defaultPermissions,
    defaultEvents: events as string[],
  };
}

/** The manifest for `app`, with Maestro's webhook URL and this setup server's callback. */
export function buildManifest(
  app: AppDefinition,
  opts: { name?: string; webhookUrl: string; redirectUrl: string },
): AppManifest {
  const name = (opts.name ?? app.name).trim();
  const problem = appNameProblem(name);
  if (problem) throw new Error(problem);
  return {
    name,
    url: app.url,
    ...(app.description ? { description: app.description } : {}),
    hook_attributes: { url: opts.webhookUrl, active: true },
    redirect_url: opts.redirectUrl,
    // Maestro runs code on the repositories it is installed on: only its owner may install it.
    public: false,
    default_permissions: { ...app.defaultPermissions },
    default_events: [...app.defaultEvents],
  };
}

export function appNameProblem(name: string): string | undefined {
  if (name === "") return "The app needs a name.";
  if (name.length > MAX_APP_NAME)
    return `GitHub allows app names of at most ${MAX_APP_NAME} characters; "${name}" has ${name.length}.`;
  return undefined;
}

export function orgProblem(org: string): string | undefined {
  return LOGIN_RE.test(org)
    ? undefined
    : `"${org}" is not an organization login (letters, digits and single hyphens, at most 39).`;
}

/** github.com, or the GitHub Enterprise Server of GHE_HOST/GHE_PROTOCOL (as serve reads them). */
export interface GitHubTarget {
  /** https://github.com or {protocol}://{GHE_HOST} */
  webUrl: string;
  /** https://api.github.com or {protocol}://{GHE_HOST}/api/v3 */
  apiUrl: string;
  /** github.com or the GHE host. */
  host: string;
  gheHost?: string;
  gheProtocol?: "http" | "https";
}

export function githubTarget(gheHost: string | undefined, gheProtocol: "http" | "https"): GitHubTarget {
  if (!gheHost) return { webUrl: "https://github.com", apiUrl: "https://api.github.com", host: "github.com" };
  const webUrl = `${gheProtocol}://${gheHost}`;
  return { webUrl, apiUrl: `${webUrl}/api/v3`, host: gheHost, gheHost, gheProtocol };
}

/** Where the browser POSTs the manifest: the personal account's or the organization's "new app" page. */
export function registerUrl(target: GitHubTarget, state: string, org?: string): string {
  const owner = org ? `/organizations/${encodeURIComponent(org)}` : "";
  return `${target.webUrl}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
}
