// A local stand-in for the OpenAI Responses API (`POST …/responses`, SSE), enough for the real Codex CLI to run a
// session against it (a `model_providers` entry with `wire_api = "responses"` and `base_url` = `url`). Event shapes
// are OpenAI's published streaming events: response.created, response.output_item.added/.done,
// response.output_text.delta, response.completed (with usage). A function call is an output item of type
// `function_call`; Codex runs it and sends the next request with a `function_call_output` input item.
import type { ServerResponse } from "node:http";
import { nextId, pathOf, pickReply, sendJson, startFakeApi } from "./fake-api.js";
import type { FakeApi, FakeApiScript } from "./fake-api.js";

export type { RecordedRequest } from "./fake-api.js";

export interface FakeFunctionCall {
  name: string;
  /** The call's arguments (a JSON object, sent as a string as the API does). */
  arguments: Record<string, unknown>;
  callId?: string;
}

export interface FakeResponsesReply {
  text?: string;
  functionCalls?: FakeFunctionCall[];
  /** Defaults: input 100 (none cached), output 20. */
  usage?: { input_tokens?: number; cached_tokens?: number; output_tokens?: number };
  /** An HTTP error instead of a reply. */
  error?: { status: number; type: string; message: string };
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
    handle(req, res, recorded) {
      const path = pathOf(req);
      if (req.method === "GET" && path.endsWith("/models"))
        return sendJson(res, 200, { object: "list", data: [], models: [] });
      if (req.method !== "POST" || !path.endsWith("/responses")) {
        return sendJson(res, 404, {
          error: { type: "invalid_request_error", message: `fake: no route ${path}` },
        });
      }
      const reply = pickReply(script, recorded, turn++);
      if (reply.error)
        return sendJson(res, reply.error.status, {
          error: { type: reply.error.type, message: reply.error.message },
        });
      const { body } = recorded;
      writeStream(res, reply, typeof body?.model === "string" ? body.model : "gpt-5");
    },
    internalError: (message) => ({ error: { type: "server_error", message } }),
  });
  return { ...api, url: `${api.url}/v1` };
}
