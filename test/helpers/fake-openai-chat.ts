// A local stand-in for the OpenAI Chat Completions API (`POST …/chat/completions`), enough for OpenCode to run a
// session against it through an `@ai-sdk/openai-compatible` provider whose `baseURL` is `url`. Streamed requests get
// `chat.completion.chunk` SSE lines (text delta, tool-call deltas, finish_reason, a usage chunk) and `data: [DONE]`;
// others a `chat.completion` object. A tool call is a `tool_calls` delta; the client answers with a `tool` message.
// Errors have OpenAI's documented shape, `{"error":{"message","type","param","code"}}`
// (https://platform.openai.com/docs/guides/error-codes); a reply can also be slow or hang mid-stream.
import type { ServerResponse } from "node:http";
import { applyDelay, nextId, pathOf, pickReply, sendJson, startFakeApi } from "./fake-api.js";
import type { FakeApi, FakeApiScript, FakeFault } from "./fake-api.js";

export type { FakeFault, RecordedRequest, ReportedUsage } from "./fake-api.js";

/** An OpenAI API error: HTTP status and the body's `error` object. */
export interface OpenAIError {
  status: number;
  type: string;
  message: string;
  /** `error.code`, e.g. "invalid_api_key"; null when absent (as for 500s). */
  code?: string | null;
  /**
   * Sent as `retry-after-ms` (and `retry-after`, in whole seconds), the headers OpenAI's SDKs honour: how long a
   * client that retries waits before it does (OpenCode retries a 5xx 5 times, 2 s to 30 s apart without them).
   */
  retryAfterMs?: number;
}

/** What the OpenAI API answers to a wrong key: 401 `invalid_request_error` / `invalid_api_key`. */
export const OPENAI_UNAUTHORIZED: OpenAIError = {
  status: 401,
  type: "invalid_request_error",
  code: "invalid_api_key",
  message:
    "Incorrect API key provided: fake-key****. You can find your API key at https://platform.openai.com/account/api-keys.",
};

/** A 500 `server_error` (OpenAI's "The server had an error while processing your request") with `message`. */
export function openaiServerError(
  message: string,
  extra: Pick<OpenAIError, "retryAfterMs"> = {},
): OpenAIError {
  return { status: 500, type: "server_error", message, code: null, ...extra };
}

/** Sends an OpenAI-shaped error reply. */
export function sendOpenAIError(res: ServerResponse, e: OpenAIError): void {
  sendJson(
    res,
    e.status,
    { error: { message: e.message, type: e.type, param: null, code: e.code ?? null } },
    {
      "x-request-id": nextId("req"),
      ...(e.retryAfterMs !== undefined
        ? {
            "retry-after-ms": String(e.retryAfterMs),
            "retry-after": String(Math.ceil(e.retryAfterMs / 1000)),
          }
        : {}),
    },
  );
}

export interface FakeChatReply extends FakeFault {
  text?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown>; id?: string }>;
  /** Defaults: prompt 100 (none cached), completion 20. */
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
  /** An HTTP error instead of a reply (OPENAI_UNAUTHORIZED, openaiServerError(…), …). */
  error?: OpenAIError;
}

export type FakeChatScript = FakeApiScript<FakeChatReply>;

/** `url` is the base URL including `/v1`. */
export type FakeOpenAIChat = FakeApi;

function usageOf(reply: FakeChatReply) {
  const prompt = reply.usage?.prompt_tokens ?? 100;
  const completion = reply.usage?.completion_tokens ?? 20;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: reply.usage?.cached_tokens ?? 0 },
  };
}

function reply(res: ServerResponse, r: FakeChatReply, model: string, stream: boolean): void {
  const base = { id: nextId("chatcmpl"), created: Math.floor(Date.now() / 1000), model };
  const calls = (r.toolCalls ?? []).map((c) => ({
    id: c.id ?? nextId("call"),
    type: "function",
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));
  const finish_reason = calls.length > 0 ? "tool_calls" : "stop";
  if (!stream) {
    if (r.hang) return void res.writeHead(200, { "content-type": "application/json" }).flushHeaders();
    const message = {
      role: "assistant",
      content: r.text ?? null,
      ...(calls.length ? { tool_calls: calls } : {}),
    };
    return sendJson(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason }],
      usage: usageOf(r),
    });
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...extra })}\n\n`);
  chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
  if (r.hang) {
    // The first text arrives, then nothing: the connection stays open until the fake closes.
    chunk([{ index: 0, delta: { content: r.text ?? "Let me think about" }, finish_reason: null }]);
    return;
  }
  if (r.text !== undefined) chunk([{ index: 0, delta: { content: r.text }, finish_reason: null }]);
  calls.forEach((call, index) =>
    chunk([{ index: 0, delta: { tool_calls: [{ index, ...call }] }, finish_reason: null }]),
  );
  chunk([{ index: 0, delta: {}, finish_reason }]);
  chunk([], { usage: usageOf(r) });
  res.write("data: [DONE]\n\n");
  res.end();
}

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeOpenAIChat(script: FakeChatScript): Promise<FakeOpenAIChat> {
  let turn = 0;
  const api = await startFakeApi({
    async handle(req, res, recorded, report) {
      const path = pathOf(req);
      if (req.method === "GET" && path.endsWith("/models"))
        return sendJson(res, 200, { object: "list", data: [] });
      if (req.method !== "POST" || !path.endsWith("/chat/completions")) {
        return sendOpenAIError(res, {
          status: 404,
          type: "invalid_request_error",
          message: `fake: no route ${path}`,
        });
      }
      const { body } = recorded;
      const model = typeof body?.model === "string" ? body.model : "fake-model";
      // Side requests (session titles) carry no tools: a short canned answer that leaves the script alone.
      const title: FakeChatReply = { text: "Fake title", usage: { prompt_tokens: 10, completion_tokens: 3 } };
      const r = recorded.agent ? pickReply(script, recorded, turn++) : title;
      if (!(await applyDelay(res, r))) return;
      if (r.error) return sendOpenAIError(res, r.error);
      const u = usageOf(r);
      const cached = Math.min(u.prompt_tokens_details.cached_tokens, u.prompt_tokens);
      report({
        model,
        agent: recorded.agent,
        complete: !r.hang,
        inputTokens: u.prompt_tokens - cached,
        outputTokens: u.completion_tokens,
        cacheReadTokens: cached,
        cacheWriteTokens: 0,
      });
      reply(res, r, model, body?.stream === true);
    },
    internalError: (message) => ({ error: { type: "server_error", message } }),
  });
  return { ...api, url: `${api.url}/v1` };
}
