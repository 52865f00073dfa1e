// Secret redaction for everything Maestro writes (run logs, comments, errors). Known secret values
// are replaced first, raw and encoded, then well-known token shapes, then `key=value` pairs whose key
// names a secret. Every step is linear in the text: one line of agent output can be megabytes.
import { LiteralMatcher, type Span } from "./literal-matcher.js";
import { encodedForms, type SecretEncoding } from "./secret-forms.js";

export const REDACTED = "[REDACTED]";
const MIN_SECRET_LENGTH = 6;

export type Redactor = (text: string) => string;

// A key that names a secret: it must END with the secret word, so "tokens", "max_tokens" or
// "inputTokens" are left alone while "GITHUB_TOKEN", "api_key", "client_secret" are not.
// Keys are tried only where a run of key characters starts and the secret word is found by
// backtracking from the run's end, so each character is read a bounded number of times.
const SECRET_WORD =
  "(?:token|secret|password|passwd|passphrase|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?)";
const SECRET_KEY = `[A-Za-z0-9_.-]*${SECRET_WORD}`;
const KEY_START = "(?<![A-Za-z0-9_.-])";
const KEY_END = "(?![A-Za-z0-9_.-])";
const SECRET_KEY_NAME = new RegExp(`^${SECRET_KEY}$`, "i");

// Boundaries: a token starts where no token character precedes it.
const B = "(?<![A-Za-z0-9_-])";
const E = "(?![A-Za-z0-9_-])";
// `c{n,}` keeps a backtrack entry per character and overflows V8's regex stack on a multi-megabyte run
// (a RangeError); `c{n}c*` does not.
const atLeast = (charClass: string, n: number): string => `${charClass}{${n}}${charClass}*`;

const CREDENTIAL_CHAR = /[0-9_+/=!@#$%^&*~-]/;

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
  {
    re: new RegExp(`(\\bbearer\\s+)(?!\\[REDACTED\\])${atLeast("[A-Za-z0-9._~+/-]", 16)}=*`, "gi"),
    replace: `$1${REDACTED}`,
  },
  // GitHub tokens: classic (ghp_ gho_ ghu_ ghs_ ghr_) and fine-grained (github_pat_).
  { re: new RegExp(`${B}gh[pousr]_${atLeast("[A-Za-z0-9]", 20)}${E}`, "g"), replace: REDACTED },
  { re: new RegExp(`${B}github_pat_${atLeast("[A-Za-z0-9_]", 20)}${E}`, "g"), replace: REDACTED },
  // Anthropic (sk-ant-…), OpenAI (sk-…, sk-proj-…).
  { re: new RegExp(`${B}sk-${atLeast("[A-Za-z0-9_-]", 20)}${E}`, "g"), replace: REDACTED },
  // AWS access key ids, Google API keys, Slack tokens.
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: REDACTED },
  { re: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, "g"), replace: REDACTED },
  { re: new RegExp(`${B}xox[abprs]-${atLeast("[A-Za-z0-9-]", 10)}`, "g"), replace: REDACTED },
  // "password": "value" (also inside JSON that was serialized twice: \"password\": \"value\").
  {
    re: new RegExp(`(\\\\?"${SECRET_KEY}\\\\?"\\s*:\\s*\\\\?")(?!\\[REDACTED\\])([^"\\\\]+)`, "gi"),
    replace: `$1${REDACTED}`,
  },
  // KEY=value (env files, shell, URL query strings).
  {
    re: new RegExp(
      `(${KEY_START}${SECRET_KEY}${KEY_END}\\s*=\\s*["']?)(?!\\[REDACTED\\])([^\\s"'&;,]+)`,
      "gi",
    ),
    replace: `$1${REDACTED}`,
  },
  // key: value (YAML, headers) when the value looks like a credential rather than prose: no spaces,
  // ≥ 6 characters, holding a digit or a symbol. Checked after the match: a lookahead re-reading the
  // rest of the value at every `token:` made `token:token:…` quadratic.
  {
    re: new RegExp(
      `(${KEY_START}${SECRET_KEY}${KEY_END}:[ \\t]*["']?)(?!\\[REDACTED\\])(${atLeast(`[^\\s"',;]`, 6)})`,
      "gi",
    ),
    replace: (match, key, value) => (CREDENTIAL_CHAR.test(value) ? key + REDACTED : match),
  },
];

/**
 * Build a redactor. `secrets` are values to hide wherever they appear, raw or encoded (base64 at any
 * alignment, URL-safe base64, hex, URL-encoding; see encodedForms), trimmed too; shorter than 6
 * characters are ignored: they would match ordinary text. Each one's `x-access-token:` Basic-auth form
 * is hidden whole, since that is how git carries a token.
 */
export function createRedactor(secrets: string[] = []): Redactor {
  const { matcher: known } = compiled(secrets);
  return (text: string): string => {
    if (typeof text !== "string" || text.length === 0) return text;
    const out = known.isEmpty ? text : hideSpans(text, known.spans(text));
    try {
      return applyRules(out);
    } catch {
      return REDACTED; // a regex out of stack on some giant input: hide it all rather than throw or leak
    }
  };
}

function applyRules(text: string): string {
  let out = text;
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    out = out.replace(rule.re, rule.replace as string);
  }
  return out;
}

/**
 * Which known secrets occur in `text`, raw or in any encoding the redactor hides (for scanning a diff
 * before a push). `secrets` maps labels to values, or is a list labelled "secret 1", "secret 2", ….
 * Returns one "<label> (<encoding>)" per hit, e.g. "installation token (base64)", encoding one of raw,
 * base64, base64url, hex, url; never a value. Empty when nothing is found.
 */
export function findSecrets(
  text: string,
  secrets: Readonly<Record<string, string>> | readonly string[],
): string[] {
  return createSecretFinder(secrets)(text);
}

/**
 * findSecrets with its matcher built once (≈ 0.3 ms a token, ≈ 100 ms for a 4096-bit PEM key): for scanning
 * many texts against the same secrets, e.g. every task's diff of a run.
 */
export function createSecretFinder(
  secrets: Readonly<Record<string, string>> | readonly string[],
): (text: string) => string[] {
  const entries = labelled(secrets);
  const { forms, matcher } = compiled(entries.map(([, value]) => value));
  return (text) => {
    const found = matcher.found(typeof text === "string" ? text : "");
    const labels = new Set<string>();
    forms.forEach((f, id) => {
      if (found.has(id)) labels.add(`${entries[f.secret]![0]} (${f.encoding})`);
    });
    return [...labels];
  };
}

function labelled(secrets: Readonly<Record<string, string>> | readonly string[]): Array<[string, string]> {
  if (Array.isArray(secrets)) return (secrets as readonly string[]).map((v, i) => [`secret ${i + 1}`, v]);
  return Object.entries(secrets);
}

interface KnownForm {
  secret: number;
  encoding: SecretEncoding;
  text: string;
}

// A worker builds a redactor and a finder per run from the same secrets (its own, fixed, and the installation
// token, the same for an hour): the matcher of a PEM key takes ≈ 100 ms to build, so the last few are kept.
const COMPILED_KEPT = 8;
const compiledCache = new Map<string, { forms: KnownForm[]; matcher: LiteralMatcher }>();

function compiled(secrets: readonly string[]): { forms: KnownForm[]; matcher: LiteralMatcher } {
  const key = JSON.stringify(secrets);
  const hit = compiledCache.get(key);
  if (hit) {
    compiledCache.delete(key);
    compiledCache.set(key, hit);
    return hit;
  }
  const forms = knownForms(secrets);
  const entry = { forms, matcher: new LiteralMatcher(forms.map((f) => f.text)) };
  compiledCache.set(key, entry);
  if (compiledCache.size > COMPILED_KEPT) compiledCache.delete(compiledCache.keys().next().value!);
  return entry;
}

/** Every form of every usable secret and of its trimmed value, tagged with the secret's index. */
function knownForms(secrets: readonly string[]): KnownForm[] {
  const out: KnownForm[] = [];
  secrets.forEach((secret, i) => {
    if (typeof secret !== "string") return;
    for (const value of new Set([secret, secret.trim()])) {
      if (value.length < MIN_SECRET_LENGTH) continue;
      for (const f of encodedForms(value)) out.push({ secret: i, ...f });
      const basic = Buffer.from(`x-access-token:${value}`).toString("base64");
      out.push({ secret: i, encoding: "base64", text: basic });
    }
  });
  return out;
}

/** Replaces each span with one REDACTED marker. */
function hideSpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let pos = 0;
  for (const [start, end] of spans) {
    parts.push(text.slice(pos, start), REDACTED);
    pos = end;
  }
  parts.push(text.slice(pos));
  return parts.join("");
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
  return [...new Set(Object.values(namedSecretsFromEnv(env)))];
}

/** The same, by variable name (labels for findSecrets: "ANTHROPIC_API_KEY (base64)"). */
export function namedSecretsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string" || value.length < MIN_ENV_SECRET_LENGTH) continue;
    if (SECRET_ENV_NAME.test(name)) out[name] = value;
  }
  return out;
}
