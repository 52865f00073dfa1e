// Parser for `gemini --output-format stream-json`: init, message (assistant text arrives as `delta` chunks),
// tool_use, tool_result, error (non-fatal), result {status, error?, stats}. stats.input_tokens includes `cached`.
// The stream has no cost: priced here, per model when stats.models is present (the router may use several),
// else by the model of the `init` event (the one the CLI runs), else the one asked for.
import { emptyUsage, usageOf, type TokenCounts } from "../pricing.js";
import type { AgentEvent, Usage } from "../types.js";
import {
  classifyError,
  num,
  obj,
  parseJsonLine,
  quote,
  str,
  usageEvent,
  type JsonObject,
  type StreamParser,
  type StreamParserOptions,
  type StreamParserResult,
} from "./stream-parser.js";

function tokensOf(s: JsonObject): TokenCounts {
  const inputAll = num(s.input_tokens);
  const cached = Math.min(num(s.cached), inputAll);
  const uncached = typeof s.input === "number" ? num(s.input) : inputAll - cached;
  return {
    inputTokens: uncached,
    outputTokens: num(s.output_tokens),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}

export function createGeminiStreamParser(opts: StreamParserOptions = {}): StreamParser {
  let model = opts.model;
  let pending = ""; // assistant text being streamed in chunks
  let lastMessage: string | undefined;
  let usage: Usage = emptyUsage();
  let final: StreamParserResult | undefined;
  let lastError: string | undefined;

  const flush = (): AgentEvent[] => {
    const text = pending;
    pending = "";
    if (text.trim() === "") return [];
    lastMessage = text;
    return [{ kind: "message", role: "assistant", text }];
  };

  const onResult = (value: JsonObject): AgentEvent[] => {
    const stats = obj(value.stats) ?? {};
    const models = obj(stats.models);
    const tokens = tokensOf(stats);
    const perModel = Object.entries(models ?? {}).flatMap(([name, m]) => {
      const mo = obj(m);
      return mo ? [{ ...tokensOf(mo), model: name }] : [];
    });
    const priced = usageOf(
      perModel.length > 0 ? perModel : [{ ...tokens, ...(model ? { model } : {}) }],
      opts.pricing,
    );
    usage = { ...priced, ...tokens };
    const events: AgentEvent[] = [usageEvent(usage)];
    const status = str(value.status) ?? "success";
    if (status === "success") {
      final = { usage, ...(lastMessage ? { summary: lastMessage } : {}), isError: false };
    } else {
      const err = obj(value.error);
      const message = str(err?.message) ?? lastError ?? `status ${status}`;
      const type = str(err?.type) ?? "";
      const code = /turn.?limit/i.test(type) ? "max_turns" : classifyError(`${type} ${message}`);
      const error = `Gemini CLI failed: ${quote(message)}`;
      final = {
        usage,
        ...(lastMessage ? { summary: lastMessage } : {}),
        isError: true,
        errorCode: code,
        error,
      };
      events.push({ kind: "error", code, message: error });
    }
    return events;
  };

  return {
    push(raw: string): AgentEvent[] {
      const { value, event } = parseJsonLine(raw, "gemini");
      if (event) return [...flush(), event];
      if (!value) return [];
      if (value.type === "message") {
        if (value.role !== "assistant") return [];
        const content = str(value.content) ?? "";
        if (value.delta === true) {
          pending += content;
          return [];
        }
        pending += content;
        return flush();
      }
      const events = flush();
      switch (value.type) {
        case "init":
          if (typeof value.model === "string" && value.model !== "") model = value.model;
          return events;
        case "tool_use":
          return [...events, { kind: "tool", name: str(value.tool_name) ?? "tool", input: value.parameters }];
        case "error": {
          const message = str(value.message) ?? "unknown error";
          lastError = message;
          return [
            ...events,
            { kind: "error", code: classifyError(message), message: `Gemini CLI: ${quote(message)}` },
          ];
        }
        case "result":
          return [...events, ...onResult(value)];
        default:
          return events; // tool_result, future types
      }
    },
    finish(): StreamParserResult {
      flush();
      if (final) return { ...final, ...(lastMessage && !final.summary ? { summary: lastMessage } : {}) };
      return {
        usage,
        ...(lastMessage ? { summary: lastMessage } : {}),
        isError: true,
        errorCode: lastError ? classifyError(lastError) : "malformed_output",
        error: lastError
          ? `Gemini CLI failed: ${quote(lastError)}`
          : "Gemini CLI ended without its final result event",
      };
    },
  };
}
