// The operator credential (MAESTRO_ADMIN_TOKEN) for everything under /maestro/admin: `Authorization: Bearer
// <token>`, or HTTP Basic with any user name and the token as password (what a browser's login prompt sends).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

const REALM = "Maestro operator view";

/** Checks requests against one token; the comparison takes the same time whatever the guess. */
export function createCredentialCheck(token: string): (req: IncomingMessage) => boolean {
  const want = digest(token);
  return (req) => {
    const given = presentedToken(req.headers.authorization);
    // Digests have one length, so timingSafeEqual never throws and the length of the token does not leak.
    return given !== undefined && timingSafeEqual(digest(given), want);
  };
}

/** The token an Authorization header carries (Bearer, or Basic's password), or undefined. */
export function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  const m = /^\s*(bearer|basic)\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === "bearer") return m[2];
  const decoded = Buffer.from(m[2]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** Headers on every answer under /maestro/admin: never cached, never framed, no referrer sent on. */
export function setOperatorHeaders(res: ServerResponse): void {
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  // bull-board's UI is same-origin scripts and styles; this also keeps the page from calling out (its
  // stylesheet names a web font host: blocked, the UI falls back to local fonts).
  res.setHeader(
    "content-security-policy",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
      "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  );
}

/** 401 with both challenges: Basic makes a browser ask for the token, Bearer names the other way. */
export function sendUnauthorized(res: ServerResponse): void {
  res.setHeader("www-authenticate", [`Basic realm="${REALM}", charset="UTF-8"`, `Bearer realm="${REALM}"`]);
  sendText(
    res,
    401,
    "The operator view needs the operator credential: send `Authorization: Bearer <MAESTRO_ADMIN_TOKEN>`, " +
      "or log in with any user name and MAESTRO_ADMIN_TOKEN as the password.\n",
  );
}

/** Without a token the view is off, and says how to turn it on. */
export function sendViewOff(res: ServerResponse): void {
  sendText(
    res,
    404,
    "The operator view is off. To turn it on, set MAESTRO_ADMIN_TOKEN to a secret of at least 32 characters " +
      "(e.g. `openssl rand -hex 32`) and restart `maestro serve`; then open /maestro/admin/ and log in with " +
      "any user name and that token as the password.\n",
  );
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(text);
}

/**
 * A state-changing request must come from the view's own pages: a browser that holds Basic credentials would
 * send them along with a cross-site form or fetch too. Browsers say where a request comes from: Sec-Fetch-Site
 * (current browsers; trusted alone, so a proxy that rewrites Host does not matter), else Origin, which must
 * name this host or `publicOrigin` (MAESTRO_PUBLIC_URL). Tools such as curl send neither and are let through.
 */
export function isCrossSite(req: IncomingMessage, publicOrigin?: string): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined) return site !== "same-origin" && site !== "none";
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    const url = new URL(origin);
    return url.host !== req.headers.host && url.origin !== publicOrigin;
  } catch {
    return true;
  }
}
