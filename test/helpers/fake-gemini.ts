// A local stand-in for the Gemini API (generativelanguage), enough for the real Gemini CLI to run a session against
// it (GOOGLE_GEMINI_BASE_URL = `url`, GEMINI_API_KEY, auth type "gemini-api-key"). The CLI streams turns with
// `POST /v1beta/models/MODEL:streamGenerateContent?alt=sse` (SSE, one GenerateContentResponse per `data:` line) and
// makes side calls (`:generateContent` for JSON checks, `:countTokens`) that get a short canned answer without
// consuming the script. A function call is a `functionCall` part; the CLI answers with a `functionResponse` part.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeGeminiReply {
  text?: string;
  functionCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  /** Defaults: prompt 100, candidates 20. */
  usage?: { promptTokenCount?: number; candidatesTokenCount?: number; cachedContentTokenCount?: number };
  /** An HTTP error instead of a reply, e.g. { status: 429, message: "...", statusText: "RESOURCE_EXHAUSTED" }. */
  error?: { status: number; message: string; statusText: string };
}

export type FakeGeminiScript = FakeGeminiReply[] | ((req: RecordedRequest, turn: number) => FakeGeminiReply);

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** True for the agent loop's streamed turns. */
  agent: boolean;
}

export interface FakeGemini {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function responseOf(reply: FakeGeminiReply, model: string): Record<string, unknown> {
  const parts: Array<Record<string, unknown>> = [];
  if (reply.text !== undefined) parts.push({ text: reply.text });
  for (const f of reply.functionCalls ?? []) parts.push({ functionCall: { name: f.name, args: f.args } });
  const prompt = reply.usage?.promptTokenCount ?? 100;
  const out = reply.usage?.candidatesTokenCount ?? 20;
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: {
      promptTokenCount: prompt,
      candidatesTokenCount: out,
      totalTokenCount: prompt + out,
      ...(reply.usage?.cachedContentTokenCount
        ? { cachedContentTokenCount: reply.usage.cachedContentTokenCount }
        : {}),
    },
    modelVersion: model,
  };
}

interface Schema {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  enum?: unknown[];
}

/** The smallest value of a (Gemini-style, upper- or lower-case typed) JSON schema: its required fields filled. */
function sampleOf(schema: Schema | undefined): unknown {
  const type = (schema?.type ?? "object").toLowerCase();
  if (type === "object") {
    return Object.fromEntries((schema?.required ?? []).map((k) => [k, sampleOf(schema?.properties?.[k])]));
  }
  if (schema?.enum?.length) return schema.enum[0];
  return ({ string: "fake", integer: 1, number: 1, boolean: false } as Record<string, unknown>)[type] ?? [];
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeGemini(script: FakeGeminiScript): Promise<FakeGemini> {
  const requests: RecordedRequest[] = [];
  let turn = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const path = (req.url ?? "/").split("?")[0]!;
      const m = /\/models\/([^/:]+):(\w+)$/.exec(path);
      const [model, method] = [m?.[1] ?? "gemini-2.5-pro", m?.[2]];
      const agent = method === "streamGenerateContent";
      const recorded = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body,
        agent,
      };
      requests.push(recorded);
      if (method === "countTokens") return json(res, 200, { totalTokens: 100 });
      if (method === "generateContent") {
        // Side calls (model routing, next-speaker and loop checks) ask for JSON of a schema: its required fields.
        const config = body?.generationConfig;
        const schema = config?.responseJsonSchema ?? config?.responseSchema;
        const text =
          config?.responseMimeType === "application/json" ? JSON.stringify(sampleOf(schema)) : "ok";
        return json(res, 200, responseOf({ text }, model));
      }
      if (!agent)
        return json(res, 404, {
          error: { code: 404, message: `fake: no route ${path}`, status: "NOT_FOUND" },
        });
      const reply =
        typeof script === "function"
          ? script(recorded, turn)
          : (script[Math.min(turn, script.length - 1)] ?? { text: "done" });
      turn++;
      if (reply.error) {
        const { status, message, statusText } = reply.error;
        return json(res, status, { error: { code: status, message, status: statusText } });
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(`data: ${JSON.stringify(responseOf(reply, model))}\r\n\r\n`);
      res.end();
    })().catch((err: unknown) =>
      json(res, 500, { error: { code: 500, message: String(err), status: "INTERNAL" } }),
    );
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
