// GitHub's REST API description (@octokit/openapi, the dereferenced api.github.com file) as a request
// checker: which operation a method + path is, and whether its body and query fit the operation.
// GHES serves the same paths under /api/v3, so callers strip that prefix first.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const require = createRequire(import.meta.url);

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Record<string, unknown>;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: object }> };
}

export interface SpecRoute {
  /** e.g. `/repos/{owner}/{repo}/pulls` */
  template: string;
  /** Upper case. */
  method: string;
  re: RegExp;
  params: string[];
  op: Operation;
}

let routes: SpecRoute[] | null = null;

function loadRoutes(): SpecRoute[] {
  if (routes) return routes;
  const file = require.resolve("@octokit/openapi/generated/api.github.com.deref.json");
  const spec = JSON.parse(readFileSync(file, "utf8")) as { paths: Record<string, Record<string, Operation>> };
  const out: SpecRoute[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const params: string[] = [];
    const pattern = template
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([^}]+)\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        params.push(m[1]!);
        // `{path}` of the contents API may hold slashes.
        return m[1] === "path" ? "(.+)" : "([^/]+)";
      })
      .join("");
    const re = new RegExp(`^${pattern}$`);
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete", "head"].includes(method)) continue;
      out.push({ template, method: method.toUpperCase(), re, params, op });
    }
  }
  routes = out;
  return out;
}

/** The spec route of a request: the match with the fewest parameters (literal segments win). */
export function matchRoute(
  method: string,
  path: string,
): { route: SpecRoute; params: Record<string, string> } | null {
  let best: { route: SpecRoute; params: Record<string, string> } | null = null;
  for (const route of loadRoutes()) {
    if (route.method !== method.toUpperCase()) continue;
    const m = route.re.exec(path);
    if (!m) continue;
    if (best && best.route.params.length <= route.params.length) continue;
    const params: Record<string, string> = {};
    try {
      route.params.forEach((p, i) => (params[p] = decodeURIComponent(m[i + 1]!)));
    } catch {
      continue; // a malformed %-escape matches nothing
    }
    best = { route, params };
  }
  return best;
}

/** True when some operation has this path (with any method): GitHub answers 404 either way. */
export function pathExists(path: string): boolean {
  return loadRoutes().some((r) => r.re.test(path));
}

/** `METHOD /template`, the key routes are known by in faults and problems. */
export function routeKey(route: SpecRoute): string {
  return `${route.method} ${route.template}`;
}

export const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, coerceTypes: false });
(addFormatsModule as unknown as (a: Ajv) => void)(ajv);
// GitHub's spec uses a custom "repo.nwo" (owner/name) format; accept it rather than warn.
ajv.addFormat("repo.nwo", /^[^/\s]+\/[^/\s]+$/);
const validators = new Map<string, ValidateFunction | null>();

/**
 * OpenAPI 3.0's `nullable: true` beside an `enum` still allows null, which JSON Schema's enum does
 * not: add null to such enums (in place; the description is loaded once and only read).
 */
function allowNullInEnums(schema: unknown, seen = new Set<unknown>()): void {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return;
  seen.add(schema);
  const s = schema as Record<string, unknown>;
  if (s.nullable === true && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
  // Ajv takes `nullable` only beside `type`; elsewhere null becomes one more alternative.
  if (s.nullable === true && s.type === undefined) {
    delete s.nullable;
    if (Array.isArray(s.anyOf)) s.anyOf = [...s.anyOf, { type: "null" }];
    else if (Array.isArray(s.oneOf)) s.oneOf = [...s.oneOf, { type: "null" }];
    else if (Array.isArray(s.allOf)) {
      s.anyOf = [{ allOf: s.allOf }, { type: "null" }];
      delete s.allOf;
    }
  }
  for (const v of Object.values(s)) allowNullInEnums(v, seen);
}
const coercing = new Ajv({ strict: false, allErrors: true, validateSchema: false, coerceTypes: true });
(addFormatsModule as unknown as (a: Ajv) => void)(coercing);
const queryValidators = new Map<string, ValidateFunction>();

/** The operation's JSON body validator, or null when it takes no JSON body. */
export function bodyValidator(route: SpecRoute): ValidateFunction | null {
  const key = routeKey(route);
  if (validators.has(key)) return validators.get(key)!;
  const schema = route.op.requestBody?.content?.["application/json"]?.schema;
  if (schema) allowNullInEnums(schema);
  const v = schema ? ajv.compile(schema) : null;
  validators.set(key, v);
  return v;
}

/**
 * What is wrong with a request body for the operation, or null when it fits. `body` is the parsed
 * JSON, or undefined when none was sent.
 */
export function bodyProblem(route: SpecRoute, body: unknown): string | null {
  const v = bodyValidator(route);
  if (!v) {
    if (body !== undefined && route.method !== "GET" && route.method !== "DELETE")
      return "sent a body but the operation takes none";
    return null;
  }
  if (body === undefined) return route.op.requestBody?.required ? "the operation requires a JSON body" : null;
  if (!v(body))
    return `body ${JSON.stringify(body).slice(0, 200)} fails the spec: ${ajv.errorsText(v.errors)}`;
  return null;
}

/** Query parameters whose value does not fit the operation's parameter schema (unknown ones pass, as on GitHub). */
export function queryProblems(route: SpecRoute, query: URLSearchParams): string[] {
  const out: string[] = [];
  for (const p of route.op.parameters ?? []) {
    if (p.in !== "query") continue;
    const value = query.get(p.name);
    if (value === null) {
      if (p.required) out.push(`query parameter ${p.name} is required`);
      continue;
    }
    if (!p.schema) continue;
    const key = `${routeKey(route)}?${p.name}`;
    let v = queryValidators.get(key);
    if (!v) {
      // Wrapped in an object so coercion can turn "30" into 30 for integer parameters, as a server would.
      v = coercing.compile({ type: "object", properties: { value: p.schema } });
      queryValidators.set(key, v);
    }
    if (!v({ value })) out.push(`query parameter ${p.name}=${value}: ${coercing.errorsText(v.errors)}`);
  }
  return out;
}

interface ResponseSpec {
  content?: Record<string, { schema?: object; examples?: Record<string, { value?: unknown }> }>;
}
const responseValidators = new Map<string, ValidateFunction | null>();

function responseSpec(route: SpecRoute, status: number): ResponseSpec | undefined {
  const responses = (route.op as { responses?: Record<string, ResponseSpec> }).responses ?? {};
  return responses[String(status)];
}

/** What is wrong with a JSON response body for the operation and status, or null when it fits (or has no schema). */
export function responseProblem(route: SpecRoute, status: number, body: unknown): string | null {
  const key = `${routeKey(route)} ${status}`;
  let v = responseValidators.get(key);
  if (v === undefined) {
    const schema = responseSpec(route, status)?.content?.["application/json"]?.schema;
    if (schema) allowNullInEnums(schema);
    try {
      v = schema ? ajv.compile(schema) : null;
    } catch {
      v = null; // a schema Ajv cannot compile is not checked (rather than failing every answer)
    }
    responseValidators.set(key, v);
  }
  if (!v || v(body)) return null;
  return ajv.errorsText(v.errors, { separator: "; " });
}

/** GitHub's own example response body for the operation and status (a deep copy), if the description has one. */
export function responseExample(route: SpecRoute, status: number): unknown {
  const examples = responseSpec(route, status)?.content?.["application/json"]?.examples;
  const first = examples ? Object.values(examples)[0]?.value : undefined;
  return first === undefined ? undefined : structuredClone(first);
}
