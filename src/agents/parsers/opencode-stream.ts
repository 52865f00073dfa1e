// Parser for `opencode run --format json`: step_start, text, tool_use (emitted when the tool finishes),
// step_finish {part: {reason, cost, tokens: {input, output, reasoning, cache: {read, write}}}}, error {error: {name, data}}.
// OpenCode reports cost per step: used when non-zero (its provider config has prices), else the step's tokens are
// priced by the model asked for or configured (a custom provider's model unknown to the table: cost unknown).
import { emptyUsage, usageOf, type UsagePart } from "../pricing.js";
import type { AgentEvent, Usage } from "../types.js";
import {
  classifyError,
  num,
  obj,
  parseJsonLine,
  quote,
  str,
  usageEvent,
  type StreamParser,
  type StreamParserOptions,
  type StreamParserResult,
} from "./stream-parser.js";

export function createOpenCodeStreamParser(opts: StreamParserOptions = {}): StreamParser {
  const parts: UsagePart[] = [];
  let usage: Usage = emptyUsage();
  let lastMessage: string | undefined;
  let steps = 0;
  let error: { message: string; code: ReturnType<typeof classifyError> } | undefined;

  return {
    push(raw: string): AgentEvent[] {
      const { value, event } = parseJsonLine(raw, "opencode");
      if (event) return [event];
      if (!value) return [];
      const part = obj(value.part);
      switch (value.type) {
        case "text": {
          const text = str(part?.text);
          if (!text || text.trim() === "") return [];
          lastMessage = text;
          return [{ kind: "message", role: "assistant", text }];
        }
        case "tool_use": {
          const state = obj(part?.state);
          return [{ kind: "tool", name: str(part?.tool) ?? "tool", input: state?.input }];
        }
        case "step_finish": {
          steps++;
          const t = obj(part?.tokens);
          const cache = obj(t?.cache);
          const step = {
            inputTokens: num(t?.input),
            // reasoning tokens are billed as output
            outputTokens: num(t?.output) + num(t?.reasoning),
            cacheReadTokens: num(cache?.read ?? t?.cache_read),
            cacheWriteTokens: num(cache?.write ?? t?.cache_write),
          };
          const reported = num(part?.cost);
          parts.push({
            ...step,
            ...(opts.model ? { model: opts.model } : {}),
            ...(reported > 0 ? { reportedCostUsd: reported } : {}),
          });
          usage = usageOf(parts, opts.pricing);
          return [usageEvent(usage)];
        }
        case "error": {
          const e = obj(value.error);
          const data = obj(e?.data);
          const name = str(e?.name) ?? "";
          const message =
            str(data?.message) ?? str(e?.message) ?? str(value.message) ?? (name || "unknown error");
          const status = typeof data?.statusCode === "number" ? data.statusCode : null;
          const code = name === "ProviderAuthError" ? "auth" : classifyError(`${name} ${message}`, status);
          error = { message: name && !message.includes(name) ? `${name}: ${message}` : message, code };
          return [{ kind: "error", code, message: `OpenCode: ${quote(error.message)}` }];
        }
        default:
          return []; // step_start, future types
      }
    },
    finish(): StreamParserResult {
      const base = { usage, ...(lastMessage ? { summary: lastMessage } : {}) };
      if (error)
        return {
          ...base,
          isError: true,
          errorCode: error.code,
          error: `OpenCode failed: ${quote(error.message)}`,
        };
      if (steps === 0 && !lastMessage) {
        return {
          ...base,
          isError: true,
          errorCode: "malformed_output",
          error: "OpenCode ended without finishing a step",
        };
      }
      return { ...base, isError: false };
    },
  };
}
