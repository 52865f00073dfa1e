// Parser for the generic `command` agent (DESIGN §8): a stdout line that is JSON
// {"type":"usage","inputTokens":..,"outputTokens":..,"costUsd":..,"model"?:..} adds to the session's usage (each line is an
// increment; the emitted usage event is the running total); any other non-empty line is an assistant message.
// The last message line is the summary. The command's exit status alone decides success (the adapter's job).
import { emptyUsage, usageOf, type UsagePart } from "../pricing.js";
import type { AgentEvent, Usage } from "../types.js";
import {
  num,
  obj,
  usageEvent,
  type StreamParser,
  type StreamParserOptions,
  type StreamParserResult,
} from "./stream-parser.js";

function usageLine(line: string): Record<string, unknown> | undefined {
  const t = line.trim();
  if (!t.startsWith("{") || !t.includes('"usage"')) return undefined;
  try {
    const value = obj(JSON.parse(t));
    return value?.type === "usage" ? value : undefined;
  } catch {
    return undefined;
  }
}

export function createCommandStreamParser(opts: StreamParserOptions = {}): StreamParser {
  const parts: UsagePart[] = [];
  let usage: Usage = emptyUsage();
  let lastMessage: string | undefined;

  return {
    push(line: string): AgentEvent[] {
      const u = usageLine(line);
      if (u) {
        const step = {
          inputTokens: num(u.inputTokens),
          outputTokens: num(u.outputTokens),
          cacheReadTokens: num(u.cacheReadTokens),
          cacheWriteTokens: num(u.cacheWriteTokens),
        };
        // Its own cost wins; else its tokens are priced by the model it names, or the one asked for.
        const model = typeof u.model === "string" && u.model !== "" ? u.model : opts.model;
        parts.push({
          ...step,
          ...(model ? { model } : {}),
          ...(typeof u.costUsd === "number" ? { reportedCostUsd: num(u.costUsd) } : {}),
        });
        usage = usageOf(parts, opts.pricing);
        return [usageEvent(usage)];
      }
      if (line.trim() === "") return [];
      lastMessage = line;
      return [{ kind: "message", role: "assistant", text: line }];
    },
    finish(): StreamParserResult {
      return { usage, ...(lastMessage !== undefined ? { summary: lastMessage } : {}), isError: false };
    },
  };
}
