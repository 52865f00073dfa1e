// A local stand-in for the OpenAI Chat Completions API (`POST …/chat/completions`), enough for OpenCode to run a
// session against it through an `@ai-sdk/openai-compatible` provider whose `baseURL` is `url`. Streamed requests get
// `chat.completion.chunk` SSE lines (text delta, tool-call deltas, finish_reason, a usage chunk) and `data: [DONE]`;
// others a `chat.completion` object. A tool call is a `tool_calls` delta; the client answers with a `tool` message.
import type { ServerResponse } from "node:http";
import { nextId, pathOf, pickReply, sendJson, startFakeApi } from "./fake-api.js";
import type { FakeApi, FakeApiScript } from "./fake-api.js";

export type { RecordedRequest } from "./fake-api.js";

export interface FakeChatReply {
  text?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown>; id?: string }>;
  /** Defaults: prompt 100 (none cached), completion 20. */
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
  /** An HTTP error instead of a reply. */
  error?: { status: number; type: string; message: string };
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
    handle(req, res, recorded) {
      const path = pathOf(req);
      if (req.method === "GET" && path.endsWith("/models"))
        return sendJson(res, 200, { object: "list", data: [] });
      if (req.method !== "POST" || !path.endsWith("/chat/completions")) {
        return sendJson(res, 404, {
          error: { type: "invalid_request_error", message: `fake: no route ${path}` },
        });
      }
      const { body } = recorded;
      const model = typeof body?.model === "string" ? body.model : "fake-model";
      // Side requests (session titles) carry no tools: a short canned answer that leaves the script alone.
      const title = { text: "Fake title", usage: { prompt_tokens: 10, completion_tokens: 3 } };
      if (!recorded.agent) return reply(res, title, model, body?.stream === true);
      const r = pickReply(script, recorded, turn++);
      if (r.error)
        return sendJson(res, r.error.status, { error: { type: r.error.type, message: r.error.message } });
      reply(res, r, model, body?.stream === true);
    },
    internalError: (message) => ({ error: { type: "server_error", message } }),
  });
  return { ...api, url: `${api.url}/v1` };
}
