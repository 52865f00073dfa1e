// The key reference of .github/maestro.yml in docs/configuration.md, generated from the zod schema (through its
// JSON Schema), so the docs cannot drift from what the code accepts. `npm run schemas` writes it between the
// markers; test/unit/docs/docs-coverage.test.ts fails when the committed section differs.
import { generateJsonSchemas, SCHEMA_FILES } from "../src/config/json-schemas.js";

export const CONFIG_KEYS_BEGIN = "<!-- generated:config-keys -->";
export const CONFIG_KEYS_END = "<!-- /generated:config-keys -->";

type Json = Record<string, unknown>;

export interface ConfigKey {
  /** Dotted path; a record's entry is `<model>`: `pricing.<model>.input`. */
  path: string;
  type: string;
  default?: unknown;
  description: string;
  required?: boolean;
}

function typeOf(s: Json): string {
  if (Array.isArray(s.enum))
    return `one of ${(s.enum as unknown[]).map((v) => `\`${String(v)}\``).join(", ")}`;
  const t = s.type as string | undefined;
  const bounds: string[] = [];
  if (typeof s.exclusiveMinimum === "number") bounds.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.minimum === "number") bounds.push(`≥ ${s.minimum}`);
  if (typeof s.minLength === "number" && s.minLength > 0) bounds.push("non-empty");
  if (typeof s.pattern === "string") bounds.push(`matching \`${s.pattern}\``);
  const shown = bounds.length > 0 ? ` (${bounds.join(", ")})` : "";
  if (t === "array") {
    const items = (s.items ?? {}) as Json;
    const each = typeof items.minLength === "number" && items.minLength > 0 ? " (each non-empty)" : "";
    return `list of ${String(items.type ?? "value")}s${each}`;
  }
  if (t === "object" && s.additionalProperties && typeof s.additionalProperties === "object")
    return "map of name → object";
  if (t === "integer") return `whole number${shown}`;
  return `${t ?? "any"}${shown}`;
}

/** Every key of the repo config, depth first, in the schema's order. */
export function configKeys(): ConfigKey[] {
  const root = generateJsonSchemas()[SCHEMA_FILES.repoConfig]!;
  const out: ConfigKey[] = [];
  const walk = (schema: Json, prefix: string) => {
    const props = (schema.properties ?? {}) as Record<string, Json>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [key, prop] of Object.entries(props)) {
      const path = `${prefix}${key}`;
      out.push({
        path,
        type: typeOf(prop),
        ...("default" in prop ? { default: prop.default } : {}),
        description: String(prop.description ?? ""),
        ...(required.has(key) ? { required: true } : {}),
      });
      if (prop.properties) walk(prop, `${path}.`);
      const entry = prop.additionalProperties;
      if (entry && typeof entry === "object" && (entry as Json).properties) {
        out.push({
          path: `${path}.<model>`,
          type: "object",
          description: String((entry as Json).description),
        });
        walk(entry as Json, `${path}.<model>.`);
      }
    }
  };
  walk(root, "");
  return out;
}

/** Table-cell text: no line breaks, `|` escaped, and `<…>` shown rather than taken for HTML. */
function cell(text: string): string {
  return text
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/\s*\n\s*/g, " ");
}

/** The Markdown between the markers (markers included). */
export function renderConfigKeys(): string {
  const rows = configKeys().map((k) => {
    const def = k.required === true ? "required" : "default" in k ? `\`${JSON.stringify(k.default)}\`` : "—";
    return `| \`${k.path}\` | ${cell(k.type)} | ${def} | ${cell(k.description)} |`;
  });
  return [
    CONFIG_KEYS_BEGIN,
    "<!-- Generated from src/config/repo-config.ts by `npm run schemas`; edit the zod schema's .describe() texts, not this table. -->",
    "",
    "| key | type | default | what it does |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    CONFIG_KEYS_END,
  ].join("\n");
}

/** `doc` with the section between the markers replaced; throws when the markers are missing. */
export function withConfigKeys(doc: string): string {
  const begin = doc.indexOf(CONFIG_KEYS_BEGIN);
  const end = doc.indexOf(CONFIG_KEYS_END);
  if (begin < 0 || end < begin)
    throw new Error(
      `docs/configuration.md has no ${CONFIG_KEYS_BEGIN} … ${CONFIG_KEYS_END} section for the config keys`,
    );
  return doc.slice(0, begin) + renderConfigKeys() + doc.slice(end + CONFIG_KEYS_END.length);
}
