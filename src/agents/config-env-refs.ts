// The environment variables an agent's own configuration says its CLI reads (issue 13): Codex's `env_key` and
// `env_http_headers` of each `[model_providers.*]` in $CODEX_HOME/config.toml, OpenCode's `{env:NAME}` references
// and provider `env` lists in its config. buildChildEnv (src/security/child-env.ts) lets these names through on
// top of the agent's allowlist, still fenced by the denylist.
//
// Only the operator's configuration is read — CODEX_HOME (or ~/.codex), OPENCODE_CONFIG_CONTENT, the files
// OPENCODE_CONFIG and OPENCODE_CONFIG_DIR name, ~/.config/opencode, ~/.opencode — never the repository's own
// (`.codex/`, `opencode.json` in the worktree): a hostile repository must not choose which of the worker's
// variables its agent gets. Parsing is cached per content and files per (inode, size, mtime, ctime): a session
// costs one stat per candidate file.
import fs from "node:fs";
import path from "node:path";
import type { AgentName } from "./types.js";

/** A config file larger than this is not read (as the sandbox's endpoint reader does). */
const MAX_CONFIG_BYTES = 1024 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---------------------------------------------------------------------------------------------------------------
// TOML: a scanner for string values by key path.
//
// Not a line parser: TOML values span lines (multi-line strings and arrays, whose lines can look like `[table]`
// headers or `key = "…"` pairs), keys can be dotted or quoted (`model_providers.gw.env_key = "K"`,
// `[model_providers."my gw"]`) and tables inline (`gw = { env_key = "K" }`). This scanner walks the whole
// grammar that can hold or hide a string — comments, the four string forms, inline tables, arrays, table and
// array-of-table headers — and skips other scalars (numbers, booleans, dates) to their delimiter. It does not
// check what it skips (Codex itself refuses an invalid file), and stops at the first thing it cannot read,
// keeping what it read before. No dependency: the dependency list is not this module's to grow for ~150 lines.

export interface TomlString {
  /** Key path from the document root; `[]` marks an array element. */
  path: string[];
  value: string;
}

class TomlStop extends Error {}
/** Deeper key paths than any real config has: stop there rather than recurse on (a hostile file's `[[[[…`). */
const MAX_DEPTH = 64;

/** Every string value in `text` with its key path (arrays' elements under `[]`). Best effort on invalid TOML. */
export function tomlStrings(text: string): TomlString[] {
  const out: TomlString[] = [];
  let i = 0;
  const n = text.length;
  const stop = (): never => {
    throw new TomlStop();
  };
  const skipSpace = (): void => {
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
  };
  const skipComment = (): void => {
    if (text[i] === "#") while (i < n && text[i] !== "\n") i++;
  };
  /** Spaces, newlines and comments (between array elements, between statements). */
  const skipBlank = (): void => {
    for (;;) {
      skipSpace();
      if (text[i] === "\r" || text[i] === "\n") i++;
      else if (text[i] === "#") skipComment();
      else return;
    }
  };
  const endOfLine = (): void => {
    skipSpace();
    skipComment();
    if (i < n && text[i] !== "\n" && !(text[i] === "\r" && text[i + 1] === "\n")) stop();
  };

  const escape = (): string => {
    const c = text[i++];
    switch (c) {
      case "b":
        return "\b";
      case "t":
        return "\t";
      case "n":
        return "\n";
      case "f":
        return "\f";
      case "r":
        return "\r";
      case "e":
        return "\x1b";
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "x":
      case "u":
      case "U": {
        const len = c === "x" ? 2 : c === "u" ? 4 : 8;
        const hex = text.slice(i, i + len);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) return stop();
        i += len;
        const code = parseInt(hex, 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : stop();
      }
      default:
        return stop();
    }
  };

  /** A string starting at `i` (on its opening quote), any of the four forms. */
  const string = (): string => {
    const q = text[i]!;
    const multi = text[i + 1] === q && text[i + 2] === q;
    if (!multi) {
      i++;
      let s = "";
      while (i < n && text[i] !== q) {
        if (text[i] === "\n") stop();
        if (q === '"' && text[i] === "\\") {
          i++;
          s += escape();
        } else s += text[i++];
      }
      if (i >= n) stop();
      i++;
      return s;
    }
    i += 3;
    if (text[i] === "\n") i++;
    else if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
    let s = "";
    for (;;) {
      if (i >= n) stop();
      if (text[i] === q && text[i + 1] === q && text[i + 2] === q) {
        // up to two quotes may close the content just before the delimiter: `""""` ends with one quote
        let run = 3;
        while (run < 5 && text[i + run] === q) run++;
        s += q.repeat(run - 3);
        i += run;
        return s;
      }
      if (q === '"' && text[i] === "\\") {
        i++;
        // a line-ending backslash trims the newline and the whitespace after it
        let j = i;
        while (text[j] === " " || text[j] === "\t") j++;
        if (text[j] === "\n" || (text[j] === "\r" && text[j + 1] === "\n")) {
          i = j;
          while (i < n && /[ \t\r\n]/.test(text[i]!)) i++;
          continue;
        }
        s += escape();
      } else s += text[i++];
    }
  };

  const keyPart = (): string => {
    if (text[i] === '"' || text[i] === "'") {
      if (text[i + 1] === text[i] && text[i + 2] === text[i]) stop(); // no multi-line keys
      return string();
    }
    const start = i;
    while (i < n && /[A-Za-z0-9_-]/.test(text[i]!)) i++;
    if (i === start) stop();
    return text.slice(start, i);
  };
  /** `a.b."c"`: whitespace allowed around the dots. */
  const key = (): string[] => {
    const parts = [keyPart()];
    for (;;) {
      skipSpace();
      if (text[i] !== ".") return parts;
      i++;
      skipSpace();
      parts.push(keyPart());
    }
  };

  const value = (at: string[]): void => {
    if (at.length > MAX_DEPTH) stop();
    const c = text[i];
    if (c === '"' || c === "'") {
      out.push({ path: at, value: string() });
    } else if (c === "{") {
      // (TOML 1.1 lets inline tables span lines and end with a comma: read both, as Codex's parser may)
      i++;
      skipBlank();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        skipBlank();
        if (text[i] === "}") {
          i++;
          return;
        }
        const k = key();
        skipSpace();
        if (text[i] !== "=") stop();
        i++;
        skipSpace();
        value([...at, ...k]);
        skipBlank();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else stop();
      }
    } else if (c === "[") {
      i++;
      for (;;) {
        skipBlank();
        if (text[i] === "]") {
          i++;
          return;
        }
        value([...at, "[]"]);
        skipBlank();
        if (text[i] === ",") i++;
        else if (text[i] !== "]") stop();
      }
    } else {
      // number, boolean, date-time (which may hold one space): up to the next delimiter
      const start = i;
      while (i < n && !/[,\]}#\r\n]/.test(text[i]!)) i++;
      if (text.slice(start, i).trim() === "") stop();
      while (i > start && (text[i - 1] === " " || text[i - 1] === "\t")) i--;
    }
  };

  let table: string[] = [];
  /** Array-of-tables paths seen: `[a.b]` after `[[a]]` is a table in a's last element. */
  const arrayTables = new Set<string>();
  const resolve = (parts: string[]): string[] => {
    const at: string[] = [];
    for (const part of parts) {
      at.push(part);
      if (arrayTables.has(JSON.stringify(at))) at.push("[]");
    }
    return at;
  };
  try {
    for (;;) {
      skipBlank();
      if (i >= n) break;
      if (text[i] === "[") {
        const arrayTable = text[i + 1] === "[";
        i += arrayTable ? 2 : 1;
        skipSpace();
        const header = key();
        skipSpace();
        if (text[i] !== "]" || (arrayTable && text[i + 1] !== "]")) stop();
        i += arrayTable ? 2 : 1;
        table = resolve(header.slice(0, -1));
        table.push(header.at(-1)!);
        if (arrayTable) {
          arrayTables.add(JSON.stringify(table));
          table.push("[]");
        } else if (arrayTables.has(JSON.stringify(table))) table.push("[]");
        endOfLine();
        continue;
      }
      const k = key();
      skipSpace();
      if (text[i] !== "=") stop();
      i++;
      skipSpace();
      value([...table, ...k]);
      endOfLine();
    }
  } catch (err) {
    // our stop, or a stack overflow on absurdly nested arrays/tables: what was read so far stands
    if (!(err instanceof TomlStop) && !(err instanceof RangeError)) throw err;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// What each CLI's config names.

const parsed = new Map<string, readonly string[]>();
const MAX_PARSED = 64;

function cachedParse(kind: string, text: string, parse: (text: string) => string[]): readonly string[] {
  const k = `${kind}\0${text}`;
  const hit = parsed.get(k);
  if (hit) return hit;
  const names = Object.freeze([...new Set(parse(text))].filter((name) => ENV_NAME.test(name)));
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(k, names);
  return names;
}

/**
 * Codex config.toml: `env_key` of each `[model_providers.<id>]` (the variable holding its API key) and the values of
 * its `env_http_headers` (header name → variable name), however the tables are written.
 */
export function codexConfigEnvRefs(toml: string): readonly string[] {
  return cachedParse("codex", toml, (text) =>
    tomlStrings(text)
      .filter(
        ({ path: p }) =>
          p[0] === "model_providers" &&
          p[1] !== "[]" &&
          ((p.length === 3 && p[2] === "env_key") || (p.length === 4 && p[2] === "env_http_headers")),
      )
      .map((s) => s.value),
  );
}

/** JSONC → JSON: comments and trailing commas out, strings untouched. */
function stripJsonc(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (c === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] !== "]" && text[j] !== "}") out += c;
      i++;
    } else out += text[i++];
  }
  return out;
}

/**
 * OpenCode config (JSON or JSONC): every `{env:NAME}` — OpenCode substitutes them in the raw text, anywhere, before
 * parsing, so this matches its own pattern over the raw text — and each provider's `env` list (the variables it
 * takes its key from).
 */
export function openCodeConfigEnvRefs(text: string): readonly string[] {
  return cachedParse("opencode", text, (t) => {
    const names = [...t.matchAll(/\{env:([^}]+)\}/g)].map((m) => m[1]!);
    try {
      const config = JSON.parse(stripJsonc(t)) as { provider?: Record<string, { env?: unknown }> } | null;
      for (const provider of Object.values(config?.provider ?? {})) {
        const env = provider?.env;
        if (Array.isArray(env)) names.push(...env.filter((e): e is string => typeof e === "string"));
      }
    } catch {
      // not JSON after all: the {env:} references above still count, as they do for OpenCode
    }
    return names;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Where the operator's configuration is.

interface FileEntry {
  signature: string;
  names: readonly string[];
}
const files = new Map<string, FileEntry>();
const NONE: readonly string[] = Object.freeze([]);

/** The names a config file holds, re-read only when the file changed (a stat per call). */
function fileRefs(file: string, parse: (text: string) => readonly string[]): readonly string[] {
  let st: fs.BigIntStats | undefined;
  try {
    st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  } catch {
    st = undefined; // EACCES, ENOTDIR: the CLI cannot read it either
  }
  if (!st || !st.isFile() || st.size > BigInt(MAX_CONFIG_BYTES)) {
    files.delete(file);
    return NONE;
  }
  const signature = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  const hit = files.get(file);
  if (hit?.signature === signature) return hit.names;
  let names = NONE;
  try {
    names = parse(fs.readFileSync(file, "utf8"));
  } catch {
    // unreadable: nothing named
  }
  files.set(file, { signature, names });
  return names;
}

const absolute = (p: string | undefined): string | undefined => (p && path.isAbsolute(p) ? p : undefined);

/** The config sources of `agent` under `env` (the operator's, never the repository's). */
export function agentConfigSources(
  agent: AgentName,
  env: NodeJS.ProcessEnv,
): { files: string[]; inline: string[] } {
  const home = absolute(env.HOME);
  if (agent === "codex") {
    const codexHome = absolute(env.CODEX_HOME) ?? (home ? path.join(home, ".codex") : undefined);
    return { files: codexHome ? [path.join(codexHome, "config.toml")] : [], inline: [] };
  }
  if (agent === "opencode") {
    const list: string[] = [];
    // The order OpenCode loads them in (later ones win for settings; for names it does not matter).
    if (home) {
      const global = path.join(home, ".config", "opencode");
      list.push(...["config.json", "opencode.json", "opencode.jsonc"].map((f) => path.join(global, f)));
    }
    const file = absolute(env.OPENCODE_CONFIG);
    if (file) list.push(file);
    if (home) list.push(...["opencode.json", "opencode.jsonc"].map((f) => path.join(home, ".opencode", f)));
    const dir = absolute(env.OPENCODE_CONFIG_DIR);
    if (dir) list.push(...["opencode.json", "opencode.jsonc"].map((f) => path.join(dir, f)));
    const content = env.OPENCODE_CONFIG_CONTENT;
    return { files: list, inline: content ? [content] : [] };
  }
  return { files: [], inline: [] };
}

/**
 * The variable names the operator's configuration of `agent` references (valid names only; not yet checked
 * against the denylist — buildChildEnv does that). Empty for agents without such references.
 */
export function agentConfigEnvRefs(agent: AgentName, env: NodeJS.ProcessEnv): readonly string[] {
  if (agent !== "codex" && agent !== "opencode") return NONE;
  const parse = agent === "codex" ? codexConfigEnvRefs : openCodeConfigEnvRefs;
  const { files: list, inline } = agentConfigSources(agent, env);
  const found: string[] = [];
  for (const file of list) found.push(...fileRefs(file, parse));
  for (const text of inline) found.push(...parse(text));
  return found.length === 0 ? NONE : [...new Set(found)];
}
