// A local stand-in for the Anthropic Messages API, enough for the real Claude Code binary to run a session against it.
// Claude Code calls `HEAD /` (connectivity) and `POST /v1/messages?beta=true` (SSE). The main agent loop's requests
// carry `tools`; side requests (titles, quota probes) do not, and get a short canned reply without consuming the script.
// Failure modes follow the API's documented errors (https://docs.anthropic.com/en/api/errors): an HTTP status with
// `{"type":"error","error":{"type":…,"message":…},"request_id":…}`; a reply can also be slow or hang mid-stream.
import type { ServerResponse } from "node:http";
import { applyDelay, nextId, pathOf, pickReply, sendJson, startFakeApi } from "./fake-api.js";
import type { FakeApi, FakeApiScript, FakeFault, ReportedUsage } from "./fake-api.js";

export type { FakeFault, RecordedRequest, ReportedUsage } from "./fake-api.js";

export interface FakeToolUse {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

export interface FakeReply extends FakeFault {
  /** Text block(s) of the reply. */
  text?: string;
  toolUses?: FakeToolUse[];
  /** Usage reported for this reply. Defaults: input 100, output 20. */
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
  /** An HTTP error instead of a reply, e.g. { status: 429, type: "rate_limit_error", message: "..." }. */
  error?: { status: number; type: string; message: string };
  model?: string;
}

/** What the Messages API answers to a wrong key: 401 `authentication_error`. */
export const ANTHROPIC_UNAUTHORIZED = {
  status: 401,
  type: "authentication_error",
  message: "invalid x-api-key",
} as const;

/** A 500 `api_error` (Anthropic's "An unexpected error has occurred internal to Anthropic's systems") with `message`. */
export function anthropicServerError(message: string): NonNullable<FakeReply["error"]> {
  return { status: 500, type: "api_error", message };
}

export type FakeScript = FakeApiScript<FakeReply>;

export type FakeAnthropic = FakeApi;

const DEFAULT_MODEL = "claude-sonnet-4-5-20250929";

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function contentOf(reply: FakeReply): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (reply.text !== undefined) blocks.push({ type: "text", text: reply.text });
  for (const t of reply.toolUses ?? [])
    blocks.push({ type: "tool_use", id: t.id ?? nextId("toolu"), name: t.name, input: t.input });
  return blocks;
}

function usageOf(reply: FakeReply): Required<NonNullable<FakeReply["usage"]>> {
  return {
    input_tokens: reply.usage?.input_tokens ?? 100,
    output_tokens: reply.usage?.output_tokens ?? 20,
    cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: reply.usage?.cache_creation_input_tokens ?? 0,
  };
}

function reportedOf(reply: FakeReply, model: string, agent: boolean): ReportedUsage {
  const u = usageOf(reply);
  return {
    model,
    agent,
    complete: !reply.hang,
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    cacheReadTokens: u.cache_read_input_tokens,
    cacheWriteTokens: u.cache_creation_input_tokens,
  };
}

function writeStream(res: ServerResponse, reply: FakeReply, model: string): void {
  const usage = usageOf(reply);
  const blocks = contentOf(reply);
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "request-id": nextId("req"),
  });
  const id = nextId("msg");
  sse(res, "message_start", {
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  if (reply.hang) {
    // The first text arrives, then nothing: the connection stays open until the fake closes.
    sse(res, "content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    sse(res, "content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: reply.text ?? "Let me think about" },
    });
    return;
  }
  blocks.forEach((block, index) => {
    if (block.type === "text") {
      sse(res, "content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      });
      sse(res, "content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: block.text },
      });
    } else {
      sse(res, "content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      });
      sse(res, "content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
      });
    }
    sse(res, "content_block_stop", { type: "content_block_stop", index });
  });
  const stopReason = (reply.toolUses?.length ?? 0) > 0 ? "tool_use" : "end_turn";
  sse(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  sse(res, "message_stop", { type: "message_stop" });
  res.end();
}

function writeJson(res: ServerResponse, reply: FakeReply, model: string): void {
  const blocks = contentOf(reply);
  res.writeHead(200, { "content-type": "application/json", "request-id": nextId("req") });
  if (reply.hang) return void res.flushHeaders(); // headers, then no body
  res.end(
    JSON.stringify({
      id: nextId("msg"),
      type: "message",
      role: "assistant",
      model,
      content: blocks,
      stop_reason: (reply.toolUses?.length ?? 0) > 0 ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: usageOf(reply),
    }),
  );
}

/** Starts the fake on 127.0.0.1 with a free port. Point ANTHROPIC_BASE_URL at `url`. */
export async function startFakeAnthropic(script: FakeScript): Promise<FakeAnthropic> {
  let agentTurn = 0;
  return startFakeApi({
    async handle(req, res, recorded, report) {
      const path = pathOf(req);
      if (req.method === "HEAD" || req.method === "GET") return sendJson(res, 200, {});
      if (path === "/v1/messages/count_tokens") return sendJson(res, 200, { input_tokens: 100 });
      if (path !== "/v1/messages")
        return sendJson(res, 404, {
          type: "error",
          error: { type: "not_found_error", message: `fake: no route ${path}` },
        });
      const reply: FakeReply = recorded.agent
        ? pickReply(script, recorded, agentTurn++)
        : { text: "Fake title", usage: { input_tokens: 10, output_tokens: 3 } };
      if (!(await applyDelay(res, reply))) return;
      if (reply.error) {
        const requestId = nextId("req");
        return sendJson(
          res,
          reply.error.status,
          {
            type: "error",
            error: { type: reply.error.type, message: reply.error.message },
            request_id: requestId,
          },
          { "request-id": requestId },
        );
      }
      const { body } = recorded;
      const model = reply.model ?? (typeof body?.model === "string" ? body.model : DEFAULT_MODEL);
      report(reportedOf(reply, model, recorded.agent));
      if (body?.stream === true) writeStream(res, reply, model);
      else writeJson(res, reply, model);
    },
    internalError: (message) => ({ type: "error", error: { type: "api_error", message } }),
  });
}
