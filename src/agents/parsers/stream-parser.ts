// What every CLI stream parser looks like, and the small helpers they share.
import type { AgentErrorCode, AgentEvent, PricingTable, Usage } from "../types.js";

export interface StreamParserResult {
  usage: Usage;
  summary?: string;
  isError: boolean;
  errorCode?: AgentErrorCode;
  error?: string;
}

/** A stateful, pure parser of one session's stdout: feed it lines, then ask for the outcome. */
export interface StreamParser {
  push(line: string): AgentEvent[];
  finish(): StreamParserResult;
}

export interface StreamParserOptions {
  /** The model asked for; used for pricing when the stream does not name one. */
  model?: string;
  /** Repo pricing overrides (USD per million tokens). */
  pricing?: PricingTable;
}

const MAX_QUOTE = 200;

export function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_QUOTE ? `${flat.slice(0, MAX_QUOTE)}…` : flat;
}

export type JsonObject = Record<string, unknown>;

/** Parses one JSON object line; returns an error event for anything else (never throws). */
export function parseJsonLine(line: string, cli: string): { value?: JsonObject; event?: AgentEvent } {
  const trimmed = line.trim();
  if (trimmed === "") return {};
  try {
    const value: unknown = JSON.parse(trimmed);
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      return { value: value as JsonObject };
  } catch {
    // fall through
  }
  return {
    event: {
      kind: "error",
      code: "malformed_output",
      message: `ignored a line from ${cli} that is not a JSON object: ${quote(trimmed)}`,
    },
  };
}

export function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function obj(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** Maps an HTTP status and/or error text to an error code. */
export function classifyError(text: string | undefined, status?: number | null): AgentErrorCode {
  if (status === 429) return "rate_limit";
  if (status === 401 || status === 403) return "auth";
  const t = (text ?? "").toLowerCase();
  if (/rate.?limit|\b429\b|too many requests|quota|resource_exhausted|usage limit/.test(t))
    return "rate_limit";
  if (
    /\b401\b|\b403\b|invalid api key|invalid x-api-key|api key not valid|authenticat|unauthori[sz]ed|permission_denied|not logged in|login/.test(
      t,
    )
  )
    return "auth";
  if (/max(imum)?[ _-]?turns|turn limit/.test(t)) return "max_turns";
  return "other";
}

export function usageEvent(usage: Usage): AgentEvent {
  return { kind: "usage", ...usage };
}
