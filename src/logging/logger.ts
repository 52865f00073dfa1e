// The one logger of every Maestro process (serve, worker, both): pino, which Probot already brings.
// ISO timestamps, LOG_LEVEL (validated), secrets redacted twice — by field path before serialization and by
// value (src/security/redact.ts) on every line just before it is written — and pretty output on a terminal.
import os from "node:os";
import pino, { type DestinationStream, type Logger } from "pino";
import PinoPretty from "pino-pretty";
import { createRedactor, redactDeep, secretsFromEnv, type Redactor } from "../security/redact.js";

export type { Logger } from "pino";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = "info";

/** Fields that hold secrets wherever they appear (one level down too: `{ auth: { token } }`). */
const SECRET_FIELDS = [
  "token",
  "installationToken",
  "privateKey",
  "private_key",
  "webhookSecret",
  "secret",
  "password",
  "signingKey",
  "logSigningKey",
  "adminToken",
  "apiKey",
];
/** Authorization headers of requests and errors (Octokit's RequestError carries its request's headers). */
const HEADER_PATHS = [
  "headers.authorization",
  "req.headers.authorization",
  "request.headers.authorization",
  "err.request.headers.authorization",
  "error.request.headers.authorization",
  "*.headers.authorization",
  "headers.cookie",
  "req.headers.cookie",
];
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...HEADER_PATHS,
];

/** LOG_LEVEL, checked: unset or empty → info; anything not a pino level is an Error that says what is allowed. */
export function parseLogLevel(text: string | undefined): LogLevel {
  const v = text?.trim().toLowerCase();
  if (v === undefined || v === "") return DEFAULT_LOG_LEVEL;
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new Error(
    `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(text)}. Fix it or unset it to use the default (${DEFAULT_LOG_LEVEL}).`,
  );
}

export interface CreateLoggerOptions {
  /** LOG_LEVEL, LOG_FORMAT (json | pretty), and secret-looking variables whose values are redacted. */
  env?: NodeJS.ProcessEnv;
  /** Where lines go. Default: stderr. */
  destination?: NodeJS.WritableStream | DestinationStream;
  /** Human-readable lines instead of JSON. Default: LOG_FORMAT, else whether the destination is a terminal. */
  pretty?: boolean;
  /** Values to redact wherever they appear, raw or encoded (the app's key, the webhook secret, …). */
  secrets?: readonly string[];
  /** Bound on every line (e.g. `{ name: "maestro-worker" }`). */
  base?: Record<string, unknown>;
}

/** A pino logger for this process. Throws when LOG_LEVEL or LOG_FORMAT is invalid. */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const level = parseLogLevel(env.LOG_LEVEL);
  const destination = opts.destination ?? process.stderr;
  const pretty = opts.pretty ?? prettyFromEnv(env, destination);
  const redact = createRedactor([...(opts.secrets ?? []), ...secretsFromEnv(env)]);
  const stream: DestinationStream = pretty
    ? PinoPretty({
        destination: destination as NodeJS.WritableStream,
        colorize: Boolean((destination as { isTTY?: boolean }).isTTY),
        translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l",
        ignore: "pid,hostname",
        sync: true,
      })
    : (destination as DestinationStream);
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid, hostname: os.hostname(), ...opts.base },
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: "[REDACTED]" },
      hooks: { streamWrite: (line) => redactLine(line, redact) },
    },
    stream,
  );
}

function prettyFromEnv(env: NodeJS.ProcessEnv, destination: object): boolean {
  const format = env.LOG_FORMAT?.trim().toLowerCase();
  if (format === "json") return false;
  if (format === "pretty") return true;
  if (format)
    throw new Error(
      `LOG_FORMAT must be "json" or "pretty", got ${JSON.stringify(env.LOG_FORMAT)}. Fix it or unset it (pretty on a terminal, JSON otherwise).`,
    );
  return Boolean((destination as { isTTY?: boolean }).isTTY);
}

/**
 * Every string of a serialized line (message, fields, an error's message and stack, bindings) through the
 * value-based redactor; string fields whose names look secret are hidden whole. A line that does not parse
 * (never expected) is redacted as text.
 */
export function redactLine(line: string, redact: Redactor): string {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return redact(line);
  }
  return `${JSON.stringify(redactDeep(obj, redact))}\n`;
}
