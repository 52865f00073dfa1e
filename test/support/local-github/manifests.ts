// GitHub's app-manifest flow (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest):
// the browser POSTs a `manifest` form field to `/settings/apps/new?state=S` (or
// `/organizations/{org}/settings/apps/new?state=S`), the user confirms, and GitHub redirects to the manifest's
// `redirect_url?code=C&state=S`; `POST /app-manifests/{code}/conversions` (no auth) turns C into the app's
// credentials, once, within an hour; otherwise 404.
//
// The local GitHub has one app: a conversion hands out *that* app (its id, key and webhook secret), named and
// hooked as the manifest says; the webhook deliveries then go to the manifest's `hook_attributes.url`.
import { randomBytes } from "node:crypto";

export interface ManifestRecord {
  code: string;
  manifest: Record<string, unknown>;
  /** The account that registers the app: the org of the URL, else the signed-in user. */
  owner: { login: string; type: "User" | "Organization" };
  expiresAt: number;
  usedAt?: number;
}

/** GitHub's manifest codes last one hour. */
export const MANIFEST_CODE_TTL_MS = 3600_000;

export class ManifestCodes {
  readonly records: ManifestRecord[] = [];

  mint(
    manifest: Record<string, unknown>,
    owner: ManifestRecord["owner"],
    ttlMs = MANIFEST_CODE_TTL_MS,
  ): string {
    const code = randomBytes(10).toString("hex");
    this.records.push({ code, manifest, owner, expiresAt: Date.now() + ttlMs });
    return code;
  }

  /** The record of a code that is known, unexpired and unused (and marks it used); else null: 404. */
  take(code: string): ManifestRecord | null {
    const r = this.records.find((x) => x.code === code);
    if (!r || r.usedAt !== undefined || r.expiresAt <= Date.now()) return null;
    r.usedAt = Date.now();
    return r;
  }

  expireAll(): void {
    for (const r of this.records) r.expiresAt = Math.min(r.expiresAt, Date.now() - 1);
  }
}

const PERMISSION_LEVELS = new Set(["read", "write", "admin"]);

/** What GitHub's "new app" page would refuse in a manifest (null: acceptable). */
export function manifestProblem(text: string | null): string | null {
  if (text === null || text.trim() === "") return "no manifest form field";
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return "the manifest is not JSON";
  }
  if (!m || typeof m !== "object" || Array.isArray(m)) return "the manifest is not a JSON object";
  const o = m as Record<string, unknown>;
  const problems: string[] = [];
  const isUrl = (v: unknown) => typeof v === "string" && /^https?:\/\/[^\s]+$/.test(v);
  if (!isUrl(o.url)) problems.push("url (the app's homepage) is required and must be an http(s) URL");
  if (o.name !== undefined && (typeof o.name !== "string" || o.name.length === 0 || o.name.length > 34))
    problems.push("name must be 1 to 34 characters");
  const hook = o.hook_attributes as Record<string, unknown> | undefined;
  if (hook !== undefined && (typeof hook !== "object" || !isUrl(hook.url)))
    problems.push("hook_attributes.url must be an http(s) URL");
  if (o.redirect_url !== undefined && !isUrl(o.redirect_url))
    problems.push("redirect_url must be an http(s) URL");
  if (o.public !== undefined && typeof o.public !== "boolean") problems.push("public must be a boolean");
  const perms = o.default_permissions;
  if (perms !== undefined) {
    if (!perms || typeof perms !== "object") problems.push("default_permissions must be an object");
    else
      for (const [k, v] of Object.entries(perms))
        if (!PERMISSION_LEVELS.has(String(v)))
          problems.push(`default_permissions.${k} must be read or write`);
  }
  const events = o.default_events;
  if (events !== undefined && (!Array.isArray(events) || events.some((e) => typeof e !== "string")))
    problems.push("default_events must be a list of event names");
  return problems.length > 0 ? problems.join("; ") : null;
}

/** `/settings/apps/new` or `/organizations/{org}/settings/apps/new`: the owner's login, "" for the user's own. */
export function manifestPageOwner(pathname: string): string | null {
  if (pathname === "/settings/apps/new") return "";
  const m = /^\/organizations\/([A-Za-z0-9-]{1,39})\/settings\/apps\/new$/.exec(pathname);
  return m ? m[1]! : null;
}

/** The conversion's answer (GitHub's `integration` plus the secrets), for a record `take` returned. */
export function conversionJson(
  rec: ManifestRecord,
  app: { json: Record<string, unknown>; pem: string; webhookSecret: string },
): Record<string, unknown> {
  const m = rec.manifest;
  return {
    ...app.json,
    ...(typeof m.name === "string" ? { name: m.name } : {}),
    description: typeof m.description === "string" ? m.description : "",
    external_url: typeof m.url === "string" ? m.url : app.json.external_url,
    ...(m.default_permissions && typeof m.default_permissions === "object"
      ? { permissions: { ...(m.default_permissions as Record<string, string>) } }
      : {}),
    ...(Array.isArray(m.default_events) ? { events: [...(m.default_events as string[])] } : {}),
    client_id: app.json.client_id,
    client_secret: randomBytes(20).toString("hex"),
    webhook_secret: app.webhookSecret,
    pem: app.pem,
  };
}
