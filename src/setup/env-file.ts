// `maestro setup` writes the registered app's credentials: the private key to its own file (mode 0600),
// and `.env` (mode 0600) naming it by PRIVATE_KEY_PATH, next to the lines .env already had.
//
// An existing .env is kept: its other lines (REDIS_URL, agent keys, comments) stay as they were. If it already
// holds app credentials (APP_ID, PRIVATE_KEY, …) setup refuses, before anything is registered on GitHub, unless
// --force, which replaces exactly those lines.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** The variables that make up an app's credentials: .env holding any of them is "already set up". */
export const CREDENTIAL_VARS = [
  "APP_ID",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "WEBHOOK_SECRET",
  "GITHUB_CLIENT_ID",
  "GITHUB_CLIENT_SECRET",
  "MAESTRO_APP_SLUG",
] as const;

/** What GitHub's manifest conversion returns that setup keeps. */
export interface RegisteredApp {
  id: number;
  slug: string;
  name: string;
  htmlUrl: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string;
  pem: string;
}

export interface WrittenCredentials {
  envFile: string;
  keyFile: string;
  /** Names written to envFile (never the values). */
  variables: string[];
  /** Set when .env gained credentials since setup started and --force was not given: envFile is another file. */
  movedAside?: string;
}

/** The credential variables a .env text already sets. */
export function credentialVarsIn(text: string): string[] {
  const found = new Set<string>();
  for (const entry of envEntries(text)) if (isCredentialVar(entry.key)) found.add(entry.key!);
  return CREDENTIAL_VARS.filter((v) => found.has(v));
}

/** Throws unless `dir/.env` may take new credentials (absent, or without credentials, or `force`). */
export function assertEnvWritable(dir: string, force: boolean): void {
  const file = path.join(dir, ".env");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const present = credentialVarsIn(text);
  if (present.length > 0 && !force)
    throw new Error(
      `${file} already holds GitHub App credentials (${present.join(", ")}). Run setup in another directory, ` +
        "or pass --force to replace those lines (the other lines are kept).",
    );
}

/**
 * The new .env text: `existing` without its credential lines (and without the GHE lines being written), then
 * a block with `values`. Comments and every other variable stay where they were.
 */
export function renderEnv(existing: string, values: Record<string, string>, header: string): string {
  const replaced = new Set([...CREDENTIAL_VARS, ...Object.keys(values)]);
  const kept = envEntries(existing)
    .filter((e) => e.key === undefined || !replaced.has(e.key))
    .map((e) => e.text)
    .join("");
  const head =
    kept === "" ? "" : kept.endsWith("\n\n") ? kept : kept.endsWith("\n") ? `${kept}\n` : `${kept}\n\n`;
  const lines = [`# ${header}`, ...Object.entries(values).map(([k, v]) => `${k}=${envValue(v)}`)];
  return `${head}${lines.join("\n")}\n`;
}

/** A value as dotenv (and node's util.parseEnv) reads it back unchanged. */
export function envValue(v: string): string {
  if (/^[A-Za-z0-9_./:@+,=-]*$/.test(v)) return v;
  if (/[\r\n]/.test(v)) throw new Error("a .env value cannot span lines here");
  if (!v.includes('"')) return `"${v}"`;
  if (!v.includes("'")) return `'${v}'`;
  throw new Error(`cannot quote ${JSON.stringify(v)} for .env (it holds both kinds of quote)`);
}

/**
 * Writes the app's private key to `<dir>/<slug>.<id>.private-key.pem` (mode 0600, never overwritten) and its
 * credentials to `<dir>/.env` (mode 0600, atomically). `extra` (GHE_HOST, GHE_PROTOCOL) goes in after them.
 */
export function writeCredentials(
  dir: string,
  app: RegisteredApp,
  opts: { force: boolean; extra?: Record<string, string>; now?: Date },
): WrittenCredentials {
  const keyFile = path.join(dir, `${safeFileName(app.slug)}.${app.id}.private-key.pem`);
  // "wx": a key file is never replaced; GitHub makes one per app, and the id is in the name.
  fs.writeFileSync(keyFile, app.pem.endsWith("\n") ? app.pem : `${app.pem}\n`, { mode: 0o600, flag: "wx" });
  fs.chmodSync(keyFile, 0o600);

  const values: Record<string, string> = {
    APP_ID: String(app.id),
    PRIVATE_KEY_PATH: keyFile,
    WEBHOOK_SECRET: app.webhookSecret,
    GITHUB_CLIENT_ID: app.clientId,
    GITHUB_CLIENT_SECRET: app.clientSecret,
    MAESTRO_APP_SLUG: app.slug,
    ...opts.extra,
  };
  const day = (opts.now ?? new Date()).toISOString().slice(0, 10);
  const header = `GitHub App "${app.name}" (${app.htmlUrl}), registered by \`maestro setup\` on ${day}`;

  let envFile = path.join(dir, ".env");
  let existing = "";
  let movedAside: string | undefined;
  try {
    existing = fs.readFileSync(envFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (!opts.force && credentialVarsIn(existing).length > 0) {
    // Someone wrote credentials into .env while the browser was on GitHub: the app exists now, so its
    // credentials must land somewhere, but not over theirs.
    movedAside = envFile;
    envFile = path.join(dir, `.env.${safeFileName(app.slug)}.${app.id}`);
    existing = "";
  }
  const text = renderEnv(existing, values, header);
  const tmp = path.join(dir, `.env.maestro-setup-${randomBytes(4).toString("hex")}`);
  fs.writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, envFile);
  return {
    envFile,
    keyFile,
    variables: Object.keys(values),
    ...(movedAside ? { movedAside } : {}),
  };
}

function isCredentialVar(key: string | undefined): boolean {
  return key !== undefined && (CREDENTIAL_VARS as readonly string[]).includes(key);
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^\.+/, "") || "github-app";
}

interface EnvEntry {
  /** The variable this entry sets; undefined for comments, blank and unparsable lines. */
  key?: string;
  /** The entry's lines, with their newlines. */
  text: string;
}

/** .env text cut into entries; a quoted value may span lines (PRIVATE_KEY="-----BEGIN …" as Probot writes it). */
function envEntries(text: string): EnvEntry[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const out: EnvEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line.replace(/\r?\n$/, ""));
    if (!m) {
      out.push({ text: line });
      continue;
    }
    let entry = line;
    const value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === "`") && value.indexOf(quote, 1) === -1) {
      // The value goes on until the line holding the closing quote.
      while (i + 1 < lines.length) {
        i++;
        entry += lines[i]!;
        if (lines[i]!.includes(quote)) break;
      }
    }
    out.push({ key: m[1]!, text: entry });
  }
  return out;
}
