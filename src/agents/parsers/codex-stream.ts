// Parser for `codex exec --json`: thread.started, turn.started, item.started/updated/completed, turn.completed
// (usage: input_tokens incl. cached_input_tokens, output_tokens), turn.failed, error. The stream has no cost and
// does not name its model: priced here by the model asked for (--model, else config.toml's `model`), or the one a
// "Model metadata for `X` not found" notice names. Notices (error items, "Reconnecting... n/m") are not errors.
import { emptyUsage, usageOf } from "../pricing.js";
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

const MODEL_NOTICE = /Model metadata for `([^`]{1,200})` not found/;
const RECONNECTING = /^\s*(Reconnecting|Server is busy, reconnecting)\b/i;

export function createCodexStreamParser(opts: StreamParserOptions = {}): StreamParser {
  let model = opts.model;
  const tokens = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  let usage: Usage = emptyUsage();
  const toolsSeen = new Set<string>();
  let lastMessage: string | undefined;
  let turnsCompleted = 0;
  let failed: string | undefined;
  let lastError: string | undefined;

  const onItem = (item: JsonObject, completed: boolean): AgentEvent[] => {
    const id = str(item.id) ?? "";
    const type = str(item.type) ?? str(item.item_type);
    switch (type) {
      case "agent_message": {
        const text = str(item.text);
        if (!completed || !text || text.trim() === "") return [];
        lastMessage = text;
        return [{ kind: "message", role: "assistant", text }];
      }
      case "command_execution":
      case "file_change":
      case "mcp_tool_call":
      case "web_search": {
        if (id && toolsSeen.has(id)) return [];
        if (id) toolsSeen.add(id);
        if (type === "command_execution")
          return [{ kind: "tool", name: "shell", input: { command: item.command } }];
        if (type === "file_change")
          return [{ kind: "tool", name: "file_change", input: { changes: item.changes } }];
        if (type === "web_search")
          return [{ kind: "tool", name: "web_search", input: { query: item.query } }];
        const server = str(item.server);
        const tool = str(item.tool) ?? "mcp";
        return [{ kind: "tool", name: server ? `${server}.${tool}` : tool, input: item.arguments }];
      }
      case "error": {
        // An error item is a warning of Codex's: the turn goes on.
        const message = str(item.message);
        if (!completed || !message) return [];
        const named = MODEL_NOTICE.exec(message)?.[1];
        if (named) model = named;
        return [{ kind: "message", role: "system", text: `Codex notice: ${quote(message)}` }];
      }
      default:
        return []; // reasoning, todo_list, future item types
    }
  };

  return {
    push(raw: string): AgentEvent[] {
      const { value, event } = parseJsonLine(raw, "codex");
      if (event) return [event];
      if (!value) return [];
      switch (value.type) {
        case "item.started":
        case "item.updated":
        case "item.completed": {
          const item = obj(value.item);
          return item ? onItem(item, value.type === "item.completed") : [];
        }
        case "turn.completed": {
          turnsCompleted++;
          const u = obj(value.usage);
          const input = num(u?.input_tokens);
          const cached = Math.min(num(u?.cached_input_tokens), input);
          tokens.inputTokens += input - cached;
          tokens.cacheReadTokens += cached;
          tokens.outputTokens += num(u?.output_tokens);
          usage = usageOf([{ ...tokens, ...(model ? { model } : {}) }], opts.pricing);
          return [usageEvent(usage)];
        }
        case "turn.failed": {
          const message = str(obj(value.error)?.message) ?? lastError ?? "turn failed";
          failed = message;
          return [
            { kind: "error", code: classifyError(message), message: `Codex turn failed: ${quote(message)}` },
          ];
        }
        case "error": {
          const message = str(value.message) ?? str(obj(value.error)?.message) ?? "unknown error";
          lastError = message;
          if (RECONNECTING.test(message))
            return [{ kind: "message", role: "system", text: `Codex notice: ${quote(message)}` }];
          return [{ kind: "error", code: classifyError(message), message: `Codex: ${quote(message)}` }];
        }
        default:
          return []; // thread.started, turn.started, future types
      }
    },
    finish(): StreamParserResult {
      const base = { usage, ...(lastMessage ? { summary: lastMessage } : {}) };
      if (failed !== undefined) {
        return {
          ...base,
          isError: true,
          errorCode: classifyError(failed),
          error: `Codex turn failed: ${quote(failed)}`,
        };
      }
      if (turnsCompleted === 0) {
        const error = lastError
          ? `Codex failed: ${quote(lastError)}`
          : "Codex ended without completing a turn";
        return {
          ...base,
          isError: true,
          errorCode: lastError ? classifyError(lastError) : "malformed_output",
          error,
        };
      }
      return { ...base, isError: false };
    },
  };
}
