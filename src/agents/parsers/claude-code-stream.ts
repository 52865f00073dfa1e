// Parser for `claude -p --output-format stream-json --verbose`.
// One API message is streamed as several `assistant` lines (one per content block) that repeat the same
// `message.id` and usage, so usage is deduped by id. The final `result` line is authoritative for usage and cost.
import { emptyUsage, roundUsd, usageOf, type TokenCounts } from "../pricing.js";
import type { AgentErrorCode, AgentEvent, Usage } from "../types.js";
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

interface MessageUsage extends TokenCounts {
  model?: string;
}

function tokensOf(u: JsonObject | undefined): TokenCounts {
  return {
    inputTokens: num(u?.input_tokens),
    outputTokens: num(u?.output_tokens),
    cacheReadTokens: num(u?.cache_read_input_tokens),
    cacheWriteTokens: num(u?.cache_creation_input_tokens),
  };
}

/** The result line's `modelUsage` summed over its models, with their names; undefined when absent. */
function modelUsageOf(m: JsonObject | undefined): (TokenCounts & { model?: string }) | undefined {
  if (!m || Object.keys(m).length === 0) return undefined;
  const t: TokenCounts = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const v of Object.values(m)) {
    const u = obj(v);
    t.inputTokens += num(u?.inputTokens);
    t.outputTokens += num(u?.outputTokens);
    t.cacheReadTokens += num(u?.cacheReadInputTokens);
    t.cacheWriteTokens += num(u?.cacheCreationInputTokens);
  }
  return { ...t, model: Object.keys(m).join(", ") };
}

function describeDenials(denials: unknown[]): string {
  return denials
    .map((d) => {
      const o = obj(d);
      const name = str(o?.tool_name) ?? "unknown tool";
      const input = obj(o?.tool_input);
      const detail = str(input?.command) ?? str(input?.file_path) ?? str(input?.path);
      return detail ? `${name}(${quote(detail)})` : name;
    })
    .join(", ");
}

export function createClaudeCodeStreamParser(opts: StreamParserOptions = {}): StreamParser {
  const byId = new Map<string, MessageUsage>();
  let sessionModel = opts.model;
  let lastText: string | undefined;
  let emitted: Usage = emptyUsage();
  let final: StreamParserResult | undefined;

  // Each API message is priced by the model it names (the one the CLI used), else the session's.
  const parts = () => [...byId.values()].map((m) => ({ ...m, model: m.model ?? sessionModel }));
  const cumulative = (): Usage => usageOf(parts(), opts.pricing);

  const onAssistant = (line: JsonObject): AgentEvent[] => {
    const events: AgentEvent[] = [];
    const message = obj(line.message);
    if (!message) return events;
    const content = Array.isArray(message.content) ? message.content : [];
    for (const block of content) {
      const b = obj(block);
      if (!b) continue;
      if (b.type === "text" && typeof b.text === "string" && b.text.trim() !== "") {
        lastText = b.text;
        events.push({ kind: "message", role: "assistant", text: b.text });
      } else if (b.type === "tool_use" && typeof b.name === "string") {
        events.push({ kind: "tool", name: b.name, input: b.input });
      }
    }
    const id = str(message.id);
    const model = str(message.model);
    // "<synthetic>" messages are Claude Code's own error notes (no API call, zero usage)
    if (id && model !== "<synthetic>") {
      const seen = byId.get(id);
      const now = tokensOf(obj(message.usage));
      // the same message may be repeated with growing usage: keep the largest figure of each field
      byId.set(id, {
        inputTokens: Math.max(seen?.inputTokens ?? 0, now.inputTokens),
        outputTokens: Math.max(seen?.outputTokens ?? 0, now.outputTokens),
        cacheReadTokens: Math.max(seen?.cacheReadTokens ?? 0, now.cacheReadTokens),
        cacheWriteTokens: Math.max(seen?.cacheWriteTokens ?? 0, now.cacheWriteTokens),
        ...(model ? { model } : {}),
      });
      const u = cumulative();
      if (
        u.inputTokens !== emitted.inputTokens ||
        u.outputTokens !== emitted.outputTokens ||
        u.cacheReadTokens !== emitted.cacheReadTokens ||
        u.cacheWriteTokens !== emitted.cacheWriteTokens
      ) {
        emitted = u;
        events.push(usageEvent(u));
      }
    }
    return events;
  };

  const onResult = (line: JsonObject): AgentEvent[] => {
    const reported = typeof line.total_cost_usd === "number" && Number.isFinite(line.total_cost_usd);
    const seen = cumulative();
    const perModel = modelUsageOf(obj(line.modelUsage));
    // modelUsage counts every request of the session (side calls included), as total_cost_usd does;
    // `usage` leaves side calls out, so tokens × price would not match the cost.
    const tokens = perModel ?? (obj(line.usage) ? tokensOf(obj(line.usage)) : seen);
    // Claude Code's own total is authoritative (it prices every model it used, ours or not).
    const usage: Usage = reported
      ? {
          ...tokens,
          costUsd: roundUsd(line.total_cost_usd as number),
          priced: true,
          ...((perModel?.model ?? seen.model ?? sessionModel)
            ? { model: perModel?.model ?? seen.model ?? sessionModel }
            : {}),
        }
      : byId.size > 0
        ? { ...seen, ...tokens }
        : usageOf([{ ...tokens, ...(sessionModel ? { model: sessionModel } : {}) }], opts.pricing);
    const subtype = str(line.subtype) ?? "success";
    const denials = Array.isArray(line.permission_denials) ? line.permission_denials : [];
    const resultText = str(line.result);
    const status = typeof line.api_error_status === "number" ? line.api_error_status : null;
    let isError = line.is_error === true || subtype !== "success" || denials.length > 0;
    let errorCode: AgentErrorCode | undefined;
    let error: string | undefined;
    if (subtype === "error_max_turns") {
      errorCode = "max_turns";
      error = `Claude Code stopped at its turn limit (--max-turns) after ${num(line.num_turns)} turns without finishing`;
    } else if (line.is_error === true || subtype !== "success") {
      const errors = Array.isArray(line.errors)
        ? line.errors.filter((e): e is string => typeof e === "string")
        : [];
      const text = resultText ?? (errors.length > 0 ? errors.join("; ") : undefined);
      errorCode = classifyError(text, status);
      error = text ? `Claude Code failed: ${quote(text)}` : `Claude Code failed (${subtype})`;
      if (status !== null && text && !text.includes(String(status))) error += ` (HTTP ${status})`;
    } else if (denials.length > 0) {
      errorCode = "other";
      error = `Claude Code was denied ${denials.length === 1 ? "a tool" : "tools"} it needed: ${describeDenials(denials)}`;
    }
    isError = isError || error !== undefined;
    final = {
      usage,
      ...(resultText !== undefined && resultText.trim() !== ""
        ? { summary: resultText }
        : lastText
          ? { summary: lastText }
          : {}),
      isError,
      ...(errorCode ? { errorCode } : {}),
      ...(error ? { error } : {}),
    };
    emitted = usage;
    const events: AgentEvent[] = [usageEvent(usage)];
    if (error && errorCode) events.push({ kind: "error", code: errorCode, message: error });
    return events;
  };

  return {
    push(raw: string): AgentEvent[] {
      const { value, event } = parseJsonLine(raw, "claude");
      if (event) return [event];
      if (!value) return [];
      switch (value.type) {
        case "system":
          if (value.subtype === "init" && typeof value.model === "string") sessionModel = value.model;
          return [];
        case "assistant":
          return final ? [] : onAssistant(value);
        case "result":
          return onResult(value);
        default:
          return []; // user tool_result echoes, stream events, future types
      }
    },
    finish(): StreamParserResult {
      if (final) return final;
      return {
        usage: cumulative(),
        ...(lastText ? { summary: lastText } : {}),
        isError: true,
        errorCode: "malformed_output",
        error: "Claude Code ended without its final result line",
      };
    },
  };
}
