// Playbook front matter (DESIGN §3), validated by zod. Unknown keys are refused so typos surface.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { AGENT_NAMES } from "../agents/types.js";
import { PlaybookError } from "./errors.js";

const commands = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (Array.isArray(v) ? v : [v]));

export const frontMatterSchema = z
  .object({
    description: z.string().optional(),
    agent: z.enum(AGENT_NAMES).optional(),
    model: z.string().min(1).optional(),
    verify: commands.optional(),
    maxCostUsd: z.number().positive().optional(),
    taskTimeoutMinutes: z.number().positive().optional(),
    onTaskFailure: z.enum(["stop", "continue"]).optional(),
  })
  .strict();

export type FrontMatter = z.infer<typeof frontMatterSchema>;

/** What each key must hold, in words, for error messages. */
export const FRONT_MATTER_EXPECTED: Record<keyof FrontMatter, string> = {
  description: "a string",
  agent: `one of ${AGENT_NAMES.map((a) => `"${a}"`).join(", ")}`,
  model: "a non-empty string (a model name)",
  verify: "a command, or a list of commands (non-empty strings)",
  maxCostUsd: "a positive number",
  taskTimeoutMinutes: "a positive number",
  onTaskFailure: `"stop" or "continue"`,
};

export const FRONT_MATTER_KEYS = Object.keys(frontMatterSchema.shape) as Array<keyof FrontMatter>;

export interface FrontMatterBlock {
  frontMatter: FrontMatter;
  /** Offset in the source where the Markdown body starts (after the closing `---` line). */
  bodyOffset: number;
  /** Number of source lines before the body (the body's line 1 is file line bodyLineOffset + 1). */
  bodyLineOffset: number;
}

const OPEN = /^\uFEFF?---[ \t]*\r?\n/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/;

/**
 * Splits off and validates the YAML front matter (`---` on line 1 up to a `---` or `...` line).
 * Errors carry the file line of the offending key or YAML syntax error.
 */
export function readFrontMatter(source: string, file?: string): FrontMatterBlock {
  const bom = source.startsWith("\uFEFF") ? 1 : 0;
  const open = OPEN.exec(source);
  if (open === null) return { frontMatter: {}, bodyOffset: bom, bodyLineOffset: 0 };

  const yamlStart = open[0].length;
  let lineStart = yamlStart;
  let line = 2;
  while (lineStart <= source.length) {
    const nl = source.indexOf("\n", lineStart);
    const lineEnd = nl === -1 ? source.length : nl;
    const text = source.slice(lineStart, lineEnd).replace(/\r$/, "");
    if (CLOSE.test(text)) {
      const yamlText = source.slice(yamlStart, lineStart);
      const frontMatter = validate(yamlText, file);
      return { frontMatter, bodyOffset: nl === -1 ? source.length : nl + 1, bodyLineOffset: line };
    }
    if (nl === -1) break;
    lineStart = nl + 1;
    line += 1;
  }
  throw new PlaybookError(
    "front matter: it starts with `---` on line 1 but is never closed. Add a line with `---` after the front matter (or remove line 1 if it is not front matter).",
    { file, line: 1 },
  );
}

/**
 * Where the body starts when a front-matter block is set aside unread (untrusted text: settings never come
 * from it). A block that is never closed is not front matter: the whole text is the body.
 */
export function skipFrontMatter(source: string): FrontMatterBlock {
  const bom = source.startsWith("\uFEFF") ? 1 : 0;
  const none = { frontMatter: {}, bodyOffset: bom, bodyLineOffset: 0 };
  const open = OPEN.exec(source);
  if (open === null) return none;
  let lineStart = open[0].length;
  for (let line = 2; lineStart <= source.length; line++) {
    const nl = source.indexOf("\n", lineStart);
    const text = source.slice(lineStart, nl === -1 ? source.length : nl).replace(/\r$/, "");
    if (CLOSE.test(text))
      return { frontMatter: {}, bodyOffset: nl === -1 ? source.length : nl + 1, bodyLineOffset: line };
    if (nl === -1) break;
    lineStart = nl + 1;
  }
  return none;
}

/** The YAML starts on file line 2. */
const FIRST_YAML_LINE = 2;

function validate(yamlText: string, file: string | undefined): FrontMatter {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const fileLine = (offset: number): number => FIRST_YAML_LINE - 1 + lineCounter.linePos(offset).line;

  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const detail = syntax.message.replace(/\s+/g, " ").trim().replace(/\.$/, "");
    throw new PlaybookError(
      `front matter: YAML syntax error: ${detail}. Fix the YAML: one \`key: value\` per line, and quote values that contain \`: \` or start with a special character.`,
      // Errors found at the end of the text (unclosed quotes, brackets) point at the last YAML line.
      { file, line: fileLine(Math.max(0, Math.min(syntax.pos[0], yamlText.trimEnd().length - 1))) },
    );
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PlaybookError(`front matter: ${(err as Error).message}. Simplify the YAML (avoid aliases).`, {
      file,
      line: FIRST_YAML_LINE,
    });
  }
  if (value === null || value === undefined) return {};
  if (!isMap(doc.contents) || typeof value !== "object" || Array.isArray(value)) {
    throw new PlaybookError(
      `front matter: must be a mapping of keys to values (got ${describeValue(value)}). Write one \`key: value\` per line, e.g. \`agent: claude-code\`.`,
      { file, line: doc.contents?.range ? fileLine(doc.contents.range[0]) : FIRST_YAML_LINE },
    );
  }

  const result = frontMatterSchema.safeParse(value);
  if (result.success) return result.data;

  const problems: Array<{ line: number; reason: string }> = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push({ line: fileLine(keyOffset(doc, key) ?? 0), reason: unknownKeyReason(key) });
      }
      continue;
    }
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    const key = String(path[0] ?? "");
    const expected = (FRONT_MATTER_EXPECTED as Record<string, string>)[key];
    const got = describeValue((value as Record<string, unknown>)[key]);
    const reason =
      expected === undefined
        ? `front matter: ${issue.message}. Fix the value.`
        : `front matter: "${key}" must be ${expected} (got ${got}). Fix the value or remove the key.`;
    problems.push({ line: fileLine(nodeOffset(doc, path) ?? keyOffset(doc, key) ?? 0), reason });
  }
  problems.sort((a, b) => a.line - b.line);
  const [first, ...rest] = problems as [
    { line: number; reason: string },
    ...Array<{ line: number; reason: string }>,
  ];
  const more = rest.map((p) => `\n${file ?? "playbook"}:${p.line}: ${p.reason}`).join("");
  throw new PlaybookError(first.reason + more, { file, line: first.line });
}

function keyOffset(doc: Document, key: string): number | undefined {
  if (!isMap(doc.contents)) return undefined;
  for (const pair of doc.contents.items) {
    const k = pair.key;
    if (isScalar(k) && String(k.value) === key && k.range) return k.range[0];
  }
  return undefined;
}

function nodeOffset(doc: Document, path: Array<string | number>): number | undefined {
  if (path.length < 2) return undefined;
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  return node && typeof node === "object" && node.range ? node.range[0] : undefined;
}

function unknownKeyReason(key: string): string {
  const near = closestKey(key);
  const hint = near === undefined ? "" : ` Did you mean "${near}"?`;
  return `front matter: unknown key "${key}".${hint} Known keys: ${FRONT_MATTER_KEYS.join(", ")}. Fix the spelling or remove the key.`;
}

function closestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of FRONT_MATTER_KEYS) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const close = bestDistance <= Math.max(2, Math.floor(key.length / 3));
  const prefix = best !== undefined && key.length >= 3 && best.toLowerCase().startsWith(key.toLowerCase());
  return close || prefix ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value))
    return value.length === 0 ? "an empty list" : `a list: ${truncate(JSON.stringify(value))}`;
  if (typeof value === "object") return `a mapping: ${truncate(JSON.stringify(value))}`;
  return truncate(JSON.stringify(value) ?? String(value));
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
