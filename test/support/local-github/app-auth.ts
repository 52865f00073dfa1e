// GitHub App authentication as GitHub does it: the app proves itself with an RS256 JWT signed by its
// private key (iss = app id, at most 10 minutes long), and gets installation tokens that expire.
import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";

export interface IssuedToken {
  token: string;
  installationId: number;
  issuedAt: number;
  expiresAt: number;
}

export type Credential =
  | { kind: "app" }
  | { kind: "installation"; token: IssuedToken }
  | { kind: "anonymous" }
  | { kind: "invalid"; message: string };

const DOCS = "https://docs.github.com/rest";

export class AppAuth {
  private readonly publicKey: KeyObject;
  private readonly tokens = new Map<string, IssuedToken>();
  readonly issued: IssuedToken[] = [];

  constructor(
    private readonly appId: number,
    privateKeyPem: string,
    public tokenTtlMs: number,
  ) {
    this.publicKey = createPublicKey(privateKeyPem);
  }

  /** A new `ghs_` token for the installation, valid for tokenTtlMs. */
  issue(installationId: number): IssuedToken {
    const now = Date.now();
    const t: IssuedToken = {
      token: `ghs_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`,
      installationId,
      issuedAt: now,
      expiresAt: now + this.tokenTtlMs,
    };
    this.tokens.set(t.token, t);
    this.issued.push(t);
    return t;
  }

  /** Makes every token issued so far expired (as if an hour went by). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, Date.now() - 1);
  }

  /** The installation token's record if it is known and unexpired. */
  installationToken(token: string): IssuedToken | null {
    const t = this.tokens.get(token);
    return t && t.expiresAt > Date.now() ? t : null;
  }

  /** Who an `Authorization` header speaks for. */
  credential(header: string | undefined): Credential {
    if (!header) return { kind: "anonymous" };
    const m = /^(bearer|token)\s+(\S+)$/i.exec(header.trim());
    if (!m) {
      const basic = /^basic\s+(\S+)$/i.exec(header.trim());
      if (basic) {
        const password = Buffer.from(basic[1]!, "base64").toString("utf8").split(":").slice(1).join(":");
        return this.tokenCredential(password);
      }
      return { kind: "invalid", message: "Bad credentials" };
    }
    const value = m[2]!;
    if (value.split(".").length === 3) return this.jwtCredential(value);
    return this.tokenCredential(value);
  }

  private tokenCredential(value: string): Credential {
    const t = this.installationToken(value);
    return t ? { kind: "installation", token: t } : { kind: "invalid", message: "Bad credentials" };
  }

  private jwtCredential(jwt: string): Credential {
    const [h, p, s] = jwt.split(".") as [string, string, string];
    let header: { alg?: string };
    let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as typeof header;
      payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as typeof payload;
    } catch {
      return { kind: "invalid", message: "A JSON web token could not be decoded" };
    }
    if (header.alg !== "RS256") return { kind: "invalid", message: "A JSON web token could not be decoded" };
    const ok = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, "base64url"));
    if (!ok) return { kind: "invalid", message: "A JSON web token could not be decoded" };
    if (String(payload.iss) !== String(this.appId))
      return { kind: "invalid", message: `'Issuer' claim ('iss') must be an Integer` };
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== "number" || payload.exp <= now)
      return {
        kind: "invalid",
        message:
          "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      };
    if (payload.exp - now > 600)
      return { kind: "invalid", message: "'Expiration time' claim ('exp') is too far in the future" };
    if (typeof payload.iat !== "number" || payload.iat > now + 60)
      return {
        kind: "invalid",
        message:
          "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
      };
    return { kind: "app" };
  }
}

export function unauthorized(message = "Bad credentials"): { status: number; body: Record<string, unknown> } {
  return { status: 401, body: { message, documentation_url: DOCS, status: "401" } };
}
