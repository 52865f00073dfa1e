// A local stand-in for the Anthropic Messages API, enough for the real Claude Code binary to run a session against it.
// Claude Code calls `HEAD /` (connectivity) and `POST /v1/messages?beta=true` (SSE). The main agent loop's requests
// carry `tools`; side requests (titles, quota probes) do not, and get a short canned reply without consuming the script.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeToolUse {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

export interface FakeReply {
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

/** A fixed list consumed one reply per agent request (the last repeats), or a function of the request. */
export type FakeScript = FakeReply[] | ((req: RecordedRequest, agentTurn: number) => FakeReply);

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** True for the agent loop's requests (they carry tools). */
  agent: boolean;
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const DEFAULT_MODEL = "claude-sonnet-4-5-20250929";

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

let counter = 0;
const nextId = (prefix: string): string =>
  `${prefix}_fake${Date.now().toString(36)}${(counter++).toString(36).padStart(6, "0")}`;

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
  const requests: RecordedRequest[] = [];
  let agentTurn = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const path = (req.url ?? "/").split("?")[0];
      const agent = Array.isArray(body?.tools) && body.tools.length > 0;
      requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body, agent });

      if (req.method === "HEAD" || req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(req.method === "GET" ? "{}" : undefined);
        return;
      }
      if (path === "/v1/messages/count_tokens") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ input_tokens: 100 }));
        return;
      }
      if (path !== "/v1/messages") {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            type: "error",
            error: { type: "not_found_error", message: `fake: no route ${path}` },
          }),
        );
        return;
      }

      let reply: FakeReply;
      if (!agent) {
        reply = { text: "Fake title", usage: { input_tokens: 10, output_tokens: 3 } };
      } else if (typeof script === "function") {
        reply = script(requests[requests.length - 1]!, agentTurn);
        agentTurn++;
      } else {
        reply = script[Math.min(agentTurn, script.length - 1)] ?? { text: "done" };
        agentTurn++;
      }
      if (reply.error) {
        res.writeHead(reply.error.status, {
          "content-type": "application/json",
          "request-id": nextId("req"),
        });
        res.end(
          JSON.stringify({ type: "error", error: { type: reply.error.type, message: reply.error.message } }),
        );
        return;
      }
      const model = reply.model ?? (typeof body?.model === "string" ? body.model : DEFAULT_MODEL);
      if (body?.stream === true) writeStream(res, reply, model);
      else writeJson(res, reply, model);
    })().catch((err: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ type: "error", error: { type: "api_error", message: String(err) } }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
