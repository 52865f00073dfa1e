// The last step of the manifest flow: GitHub's one-time code → the new app's credentials
// (POST /app-manifests/{code}/conversions, no authentication; codes last one hour and work once).
import type { RegisteredApp } from "./env-file.js";

export class ConversionError extends Error {
  constructor(
    message: string,
    /** expired: GitHub does not know the code (expired, already used, or never issued). */
    readonly kind: "expired" | "refused" | "unreachable" | "bad-answer",
  ) {
    super(message);
    this.name = "ConversionError";
  }
}

export async function convertManifestCode(
  apiUrl: string,
  code: string,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<RegisteredApp> {
  const url = `${apiUrl.replace(/\/+$/, "")}/app-manifests/${encodeURIComponent(code)}/conversions`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: "POST",
      headers: {
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "maestro-setup",
      },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new ConversionError(
      `Cannot reach GitHub at ${apiUrl} (${(err as Error).message}). Check the network (and GHE_HOST), then click Register again.`,
      "unreachable",
    );
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: said below by status.
  }
  const said = typeof body.message === "string" ? `: ${body.message}` : "";
  if (res.status === 404)
    throw new ConversionError(
      `GitHub does not know this code (${res.status}${said}): it expired (codes last one hour) or was already used. Start again and click Register.`,
      "expired",
    );
  if (res.status !== 201 && res.status !== 200)
    throw new ConversionError(
      `GitHub refused to create the app from this code (HTTP ${res.status}${said}). Start again and click Register.`,
      "refused",
    );
  const str = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
  const id = body.id;
  const missing = ["slug", "client_id", "client_secret", "webhook_secret", "pem", "html_url"].filter(
    (k) => str(k) === "",
  );
  if (typeof id !== "number" || !Number.isInteger(id)) missing.unshift("id");
  // The answer holds secrets: name what is missing, never echo it.
  if (missing.length > 0)
    throw new ConversionError(
      `GitHub's answer lacks ${missing.join(", ")}; the app may exist on GitHub: delete it there and start again.`,
      "bad-answer",
    );
  return {
    id: id as number,
    slug: str("slug"),
    name: str("name") || str("slug"),
    htmlUrl: str("html_url"),
    clientId: str("client_id"),
    clientSecret: str("client_secret"),
    webhookSecret: str("webhook_secret"),
    pem: str("pem"),
  };
}
