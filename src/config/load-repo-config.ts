// Load .github/maestro.yml (DESIGN §5) from YAML text or an already-parsed object (Probot's context.config),
// turning every validation issue into a line that names the key, its line, what was wrong and how to fix it.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { closest, didYouMean } from "../commands/suggest.js";
import { defaultRepoConfig, repoConfigSchema, type RepoConfig } from "./repo-config.js";

export const REPO_CONFIG_PATH = ".github/maestro.yml";
const MAX_ISSUES = 20;

export type ParseRepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; error: string };
type Path = (string | number)[];
/** 1-based line of the value at path (or of the key `key` inside it), when known. */
type Locate = (path: Path, key?: string) => number | undefined;

export function parseRepoConfig(
  input: string | unknown,
  opts: { file?: string } = {},
): ParseRepoConfigResult {
  const file = opts.file ?? REPO_CONFIG_PATH;
  try {
    if (typeof input === "string") return parseYaml(input, file);
    return validate(input ?? {}, file, () => undefined);
  } catch (err) {
    return {
      ok: false,
      error: `${file}: could not be read (${err instanceof Error ? err.message : String(err)}). Check the file is valid YAML.`,
    };
  }
}

function parseYaml(text: string, file: string): ParseRepoConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.slice(0, MAX_ISSUES).map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return `${file}: line ${line}, column ${col}: YAML syntax error: ${e.message.split("\n")[0]}. Fix the YAML (indentation, quoting, "key: value" pairs).`;
    });
    return { ok: false, error: lines.join("\n") };
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return validate(value ?? {}, file, yamlLocator(doc, lineCounter));
}

function validate(value: unknown, file: string, locate: Locate): ParseRepoConfigResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: `${file}: must be a mapping of settings (e.g. "agent: claude-code"), got ${kind(value)}. Fix the file or delete it to use the defaults.`,
    };
  }
  const r = repoConfigSchema.safeParse(value);
  if (r.success) return { ok: true, config: r.data };
  const lines: string[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(unknownKeyLine(file, issue.path as Path, key, locate));
    } else {
      lines.push(issueLine(file, issue, value, locate));
    }
  }
  const shown = lines.slice(0, MAX_ISSUES);
  if (lines.length > shown.length) shown.push(`…and ${lines.length - shown.length} more.`);
  return { ok: false, error: shown.join("\n") };
}

function issueLine(file: string, issue: z.core.$ZodIssue, root: unknown, locate: Locate): string {
  const path = issue.path as Path;
  const got = getAt(root, path);
  const line = locate(path);
  const where = `${pathText(path)}${line !== undefined ? ` (line ${line})` : ""}`;
  const fallback = getAt(defaultRepoConfig(), path);
  const fix =
    fallback.found && got.found
      ? `Fix it or remove the key to use the default (${JSON.stringify(fallback.value)}).`
      : got.found
        ? "Fix it."
        : "Add it.";
  return `${file}: ${where}: ${describe(issue, got)}. ${fix}`;
}

function describe(issue: z.core.$ZodIssue, got: { found: boolean; value?: unknown }): string {
  const gotText = `got ${show(got.value)}`;
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (!got.found) return `is required (${expected})`;
      const asList =
        issue.expected === "array" && typeof got.value === "string"
          ? ` (write a list, e.g. [${JSON.stringify(got.value)}])`
          : "";
      return `must be ${expected}, ${gotText}${asList}`;
    }
    case "too_small":
      if (issue.origin === "number") {
        const min = Number(issue.minimum);
        if (min === 0) return `must be ${issue.inclusive ? "zero or more" : "a positive number"}, ${gotText}`;
        return `must be ${issue.inclusive ? "at least" : "more than"} ${min}, ${gotText}`;
      }
      if (issue.origin === "string") return `must not be empty, ${gotText}`;
      return `must have at least ${String(issue.minimum)} item(s), ${gotText}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}, ${gotText}`;
    case "invalid_value": {
      const values = issue.values.map(String);
      const near = typeof got.value === "string" ? closest(got.value, values) : undefined;
      return `must be one of ${values.join(", ")}, ${gotText}${near ? ` (did you mean "${near}"?)` : ""}`;
    }
    case "invalid_format":
      return `${issue.message.replace(/\.$/, "")}, ${gotText}`;
    default:
      return `${issue.message.replace(/\.$/, "")}, ${gotText}`;
  }
}

const EXPECTED: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "text",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of keys to values",
  record: "a mapping of keys to values",
};

function unknownKeyLine(file: string, parent: Path, key: string, locate: Locate): string {
  const line = locate(parent, key);
  const known = knownKeys(parent);
  const where = `${pathText([...parent, key])}${line !== undefined ? ` (line ${line})` : ""}`;
  const suggestion = didYouMean(key, known);
  const list =
    known.length > 0
      ? ` Known keys${parent.length > 0 ? ` in ${pathText(parent)}` : ""}: ${known.join(", ")}.`
      : "";
  return `${file}: ${where}: unknown key.${suggestion} Remove it or fix its spelling.${list}`;
}

/** Keys the schema accepts at a path (walks the zod definition through defaults, optionals and records). */
function knownKeys(path: Path): string[] {
  try {
    let schema = unwrap(repoConfigSchema as unknown as ZodLike);
    for (const seg of path) {
      const def = schema._zod.def;
      if (def.type === "object" && def.shape) schema = unwrap(def.shape[String(seg)]!);
      else if (def.type === "record" && def.valueType) schema = unwrap(def.valueType);
      else return [];
    }
    const def = schema._zod.def;
    return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
  } catch {
    return [];
  }
}

interface ZodLike {
  _zod: {
    def: {
      type: string;
      shape?: Record<string, ZodLike>;
      valueType?: ZodLike;
      innerType?: ZodLike;
      in?: ZodLike;
    };
  };
}

function unwrap(s: ZodLike): ZodLike {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const def = cur._zod.def;
    if (def.innerType) cur = def.innerType;
    else if (def.type === "pipe" && def.in) cur = def.in;
    else break;
  }
  return cur;
}

function yamlLocator(doc: Document, lc: LineCounter): Locate {
  return (path, key) => {
    // Nearest existing node on the path: a missing key is reported at its parent's line.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as unknown;
      const target = n === 0 ? doc.contents : node;
      if (target === undefined || target === null) continue;
      if (key !== undefined && n === path.length && isMap(target)) {
        const pair = target.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        const r = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (r) return lc.linePos(r[0]).line;
      }
      const range = (target as { range?: [number, number, number] }).range;
      if (range) return lc.linePos(range[0]).line;
    }
    return undefined;
  };
}

function getAt(root: unknown, path: Path): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const seg of path) {
    if (typeof cur !== "object" || cur === null || !Object.prototype.hasOwnProperty.call(cur, seg))
      return { found: false };
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return { found: true, value: cur };
}

function pathText(path: Path): string {
  if (path.length === 0) return "(top level)";
  return path.reduce<string>(
    (acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    "",
  );
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "nothing";
  return `${typeof v === "string" ? "text" : typeof v} ${show(v)}`;
}

function show(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? "nothing" : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** The issue reply when a run is refused for an invalid config. */
export function formatConfigErrorReply(error: string): string {
  const longest = Math.max(2, ...(error.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  return [
    "### Maestro: the repository config is not valid",
    "",
    `Nothing was run. Maestro reads \`${REPO_CONFIG_PATH}\` from the default branch and found:`,
    "",
    `${fence}text`,
    error,
    fence,
    "",
    "Fix the keys named above (or remove them to use the defaults), commit the file to the default branch, then trigger the run again.",
    "",
  ].join("\n");
}
