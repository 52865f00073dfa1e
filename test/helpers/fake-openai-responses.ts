// A local stand-in for the OpenAI Responses API (`POST …/responses`, SSE), enough for the real Codex CLI to run a
// session against it (a `model_providers` entry with `wire_api = "responses"` and `base_url` = `url`). Event shapes
// are OpenAI's published streaming events: response.created, response.output_item.added/.done,
// response.output_text.delta, response.completed (with usage). A function call is an output item of type
// `function_call`; Codex runs it and sends the next request with a `function_call_output` input item.
// Errors have OpenAI's documented shape (see fake-openai-chat.ts); a reply can also be slow or hang mid-stream.
import type { ServerResponse } from "node:http";
import { applyDelay, nextId, pathOf, pickReply, sendJson, startFakeApi } from "./fake-api.js";
import type { FakeApi, FakeApiScript, FakeFault } from "./fake-api.js";
import { sendOpenAIError, type OpenAIError } from "./fake-openai-chat.js";

export type { FakeFault, RecordedRequest, ReportedUsage } from "./fake-api.js";
export { OPENAI_UNAUTHORIZED, openaiServerError, type OpenAIError } from "./fake-openai-chat.js";

export interface FakeFunctionCall {
  name: string;
  /** The call's arguments (a JSON object, sent as a string as the API does). */
  arguments: Record<string, unknown>;
  callId?: string;
}

export interface FakeResponsesReply extends FakeFault {
  text?: string;
  functionCalls?: FakeFunctionCall[];
  /** Defaults: input 100 (none cached), output 20. */
  usage?: { input_tokens?: number; cached_tokens?: number; output_tokens?: number };
  /** An HTTP error instead of a reply (OPENAI_UNAUTHORIZED, openaiServerError(…), …). */
  error?: OpenAIError;
}

export type FakeResponsesScript = FakeApiScript<FakeResponsesReply>;

/** `url` is the base URL including `/v1`. */
export type FakeOpenAIResponses = FakeApi;

function writeStream(res: ServerResponse, reply: FakeResponsesReply, model: string): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let seq = 0;
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  const base = { id: nextId("resp"), object: "response", created_at: Math.floor(Date.now() / 1000), model };
  send("response.created", { response: { ...base, status: "in_progress", output: [] } });
  if (reply.hang) {
    // The first text arrives, then nothing: the connection stays open until the fake closes.
    const item_id = nextId("msg");
    send("response.in_progress", { response: { ...base, status: "in_progress", output: [] } });
    send("response.output_item.added", {
      output_index: 0,
      item: { id: item_id, type: "message", role: "assistant", content: [], status: "in_progress" },
    });
    send("response.output_text.delta", {
      item_id,
      output_index: 0,
      content_index: 0,
      delta: reply.text ?? "Let me think about",
    });
    return;
  }
  const text = reply.text === undefined ? [] : [{ type: "output_text", text: reply.text, annotations: [] }];
  const output: Array<Record<string, unknown>> = [
    ...(text.length ? [{ id: nextId("msg"), type: "message", role: "assistant", content: text }] : []),
    ...(reply.functionCalls ?? []).map((c) => ({
      id: nextId("fc"),
      type: "function_call",
      call_id: c.callId ?? nextId("call"),
      name: c.name,
      arguments: JSON.stringify(c.arguments),
    })),
  ].map((item) => ({ ...item, status: "completed" }));
  output.forEach((item, output_index) => {
    const item_id = item.id;
    const started = item.type === "message" ? { content: [] } : { arguments: "" };
    send("response.output_item.added", {
      output_index,
      item: { ...item, ...started, status: "in_progress" },
    });
    if (item.type === "message") {
      send("response.output_text.delta", { item_id, output_index, content_index: 0, delta: reply.text });
    } else {
      send("response.function_call_arguments.delta", { item_id, output_index, delta: item.arguments });
      send("response.function_call_arguments.done", { item_id, output_index, arguments: item.arguments });
    }
    send("response.output_item.done", { output_index, item });
  });
  const input = reply.usage?.input_tokens ?? 100;
  const out = reply.usage?.output_tokens ?? 20;
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: reply.usage?.cached_tokens ?? 0 },
    output_tokens: out,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + out,
  };
  send("response.completed", { response: { ...base, status: "completed", output, usage } });
  res.end();
}

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeOpenAIResponses(script: FakeResponsesScript): Promise<FakeOpenAIResponses> {
  let turn = 0;
  const api = await startFakeApi({
    async handle(req, res, recorded, report) {
      const path = pathOf(req);
      if (req.method === "GET" && path.endsWith("/models"))
        return sendJson(res, 200, { object: "list", data: [], models: [] });
      if (req.method !== "POST" || !path.endsWith("/responses")) {
        return sendOpenAIError(res, {
          status: 404,
          type: "invalid_request_error",
          message: `fake: no route ${path}`,
        });
      }
      const reply = pickReply(script, recorded, turn++);
      if (!(await applyDelay(res, reply))) return;
      if (reply.error) return sendOpenAIError(res, reply.error);
      const { body } = recorded;
      const model = typeof body?.model === "string" ? body.model : "gpt-5";
      const input = reply.usage?.input_tokens ?? 100;
      const cached = Math.min(reply.usage?.cached_tokens ?? 0, input);
      report({
        model,
        agent: recorded.agent,
        complete: !reply.hang,
        inputTokens: input - cached,
        outputTokens: reply.usage?.output_tokens ?? 20,
        cacheReadTokens: cached,
        cacheWriteTokens: 0,
      });
      writeStream(res, reply, model);
    },
    internalError: (message) => ({ error: { type: "server_error", message } }),
  });
  return { ...api, url: `${api.url}/v1` };
}
