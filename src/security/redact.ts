// Secret redaction for everything Maestro writes (run logs, comments, errors). Known secret values
// are replaced first, then well-known token shapes, then `key=value` pairs whose key names a secret.
export const REDACTED = "[REDACTED]";
const MIN_SECRET_LENGTH = 6;

export type Redactor = (text: string) => string;

// A key that names a secret: it must END with the secret word, so "tokens", "max_tokens" or
// "inputTokens" are left alone while "GITHUB_TOKEN", "api_key", "client_secret" are not.
// The prefix is bounded: unbounded, text like "a.b.c.d…" makes the match quadratic.
const SECRET_KEY =
  "[A-Za-z0-9_.-]{0,64}?(?:token|secret|password|passwd|passphrase|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?)";
const KEY_END = "(?![A-Za-z0-9_.-])";
const SECRET_KEY_NAME = new RegExp(`^${SECRET_KEY}$`, "i");

// Boundaries: a token starts where no token character precedes it.
const B = "(?<![A-Za-z0-9_-])";
const E = "(?![A-Za-z0-9_-])";

interface Rule {
  re: RegExp;
  replace: string | ((...m: string[]) => string);
}

const RULES: Rule[] = [
  // PEM private keys, also when the END line was cut off (truncated output).
  {
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    replace: REDACTED,
  },
  // Credentials in URLs: https://x-access-token:TOKEN@github.com, https://user:pass@host.
  { re: /(\/\/[^\s:/@]{1,256}:)[^\s@/]{1,1024}@/g, replace: `$1${REDACTED}@` },
  { re: /(x-access-token:)(?!\[REDACTED\])[^\s@"'/]+/gi, replace: `$1${REDACTED}` },
  // Authorization headers (Bearer, token, Basic) and bare bearer tokens.
  {
    re: /(authorization["']?\s*[:=]\s*["']?(?:bearer|token|basic)\s+)[^\s"',;]+/gi,
    replace: `$1${REDACTED}`,
  },
  { re: /(\bbearer\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/-]{16,}=*/gi, replace: `$1${REDACTED}` },
  // GitHub tokens: classic (ghp_ gho_ ghu_ ghs_ ghr_) and fine-grained (github_pat_).
  { re: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{20,}${E}`, "g"), replace: REDACTED },
  { re: new RegExp(`${B}github_pat_[A-Za-z0-9_]{20,}${E}`, "g"), replace: REDACTED },
  // Anthropic (sk-ant-…), OpenAI (sk-…, sk-proj-…).
  { re: new RegExp(`${B}sk-[A-Za-z0-9_-]{20,}${E}`, "g"), replace: REDACTED },
  // AWS access key ids, Google API keys, Slack tokens.
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: REDACTED },
  { re: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, "g"), replace: REDACTED },
  { re: new RegExp(`${B}xox[abprs]-[A-Za-z0-9-]{10,}`, "g"), replace: REDACTED },
  // "password": "value" (also inside JSON that was serialized twice: \"password\": \"value\").
  {
    re: new RegExp(`(\\\\?"${SECRET_KEY}\\\\?"\\s*:\\s*\\\\?")(?!\\[REDACTED\\])([^"\\\\]+)`, "gi"),
    replace: `$1${REDACTED}`,
  },
  // KEY=value (env files, shell, URL query strings).
  {
    re: new RegExp(`(\\b${SECRET_KEY}${KEY_END}\\s*=\\s*["']?)(?!\\[REDACTED\\])([^\\s"'&;,]+)`, "gi"),
    replace: `$1${REDACTED}`,
  },
  // key: value (YAML, headers) when the value looks like a credential rather than prose: no spaces,
  // ≥ 6 characters, holding a digit or a symbol.
  {
    re: new RegExp(
      `(\\b${SECRET_KEY}${KEY_END}:[ \\t]*["']?)(?!\\[REDACTED\\])(?=[^\\s"',;]*[0-9_+/=!@#$%^&*~-])([^\\s"',;]{6,})`,
      "gi",
    ),
    replace: `$1${REDACTED}`,
  },
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Build a redactor. `secrets` are exact values to hide wherever they appear (shorter than 6
 * characters are ignored: they would match ordinary text); for each one its
 * `x-access-token:` Basic-auth form is hidden too, since that is how git carries a token.
 */
export function createRedactor(secrets: string[] = []): Redactor {
  const values = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < MIN_SECRET_LENGTH) continue;
    values.add(s);
    values.add(Buffer.from(`x-access-token:${s}`).toString("base64"));
    const trimmed = s.trim();
    if (trimmed.length >= MIN_SECRET_LENGTH) values.add(trimmed);
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  const known = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join("|"), "g") : null;

  return (text: string): string => {
    if (typeof text !== "string" || text.length === 0) return text;
    let out = text;
    if (known) out = out.replace(known, REDACTED);
    for (const rule of RULES) {
      rule.re.lastIndex = 0;
      out = out.replace(rule.re, rule.replace as string);
    }
    return out;
  };
}

/** True when an object key or env var name looks like it holds a secret. */
export function isSecretKeyName(name: string): boolean {
  return SECRET_KEY_NAME.test(name);
}

/** Redact every string inside a value (objects, arrays); string values under secret-looking keys are hidden whole. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  return walk(value, redact, new WeakMap()) as T;
}

function walk(value: unknown, redact: Redactor, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === "string") return redact(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const v of value) out.push(walk(v, redact, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Dates, Buffers, class instances: left as they are
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    out[k] = typeof v === "string" && v.length > 0 && isSecretKeyName(k) ? REDACTED : walk(v, redact, seen);
  }
  return out;
}

const SECRET_ENV_NAME =
  /(?:^|_)(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?)$|^PRIVATE_KEY$|_API_KEY/i;
const MIN_ENV_SECRET_LENGTH = 8;

/**
 * Values of environment variables whose names look secret (GITHUB_TOKEN, *_TOKEN, *_KEY, *_SECRET,
 * PRIVATE_KEY, *_PASSWORD), at least 8 characters long, to seed a redactor.
 */
export function secretsFromEnv(env: Record<string, string | undefined> = process.env): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string" || value.length < MIN_ENV_SECRET_LENGTH) continue;
    if (!SECRET_ENV_NAME.test(name)) continue;
    out.add(value);
  }
  return [...out];
}
