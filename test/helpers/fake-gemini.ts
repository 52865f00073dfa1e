// A local stand-in for the Gemini API (generativelanguage), enough for the real Gemini CLI to run a session against
// it (GOOGLE_GEMINI_BASE_URL = `url`, GEMINI_API_KEY, auth type "gemini-api-key"). The CLI streams turns with
// `POST /v1beta/models/MODEL:streamGenerateContent?alt=sse` (SSE, one GenerateContentResponse per `data:` line) and
// makes side calls (`:generateContent` for JSON checks, `:countTokens`) that get a short canned answer without
// consuming the script. A function call is a `functionCall` part; the CLI answers with a `functionResponse` part.
// Errors have Google's documented shape (https://ai.google.dev/gemini-api/docs/troubleshooting,
// https://cloud.google.com/apis/design/errors): `{"error":{"code","message","status","details"?}}`; a reply can
// also be slow or hang mid-stream.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  applyDelay,
  pathOf,
  pickReply,
  sendJson,
  startFakeApi,
  type FakeApi,
  type FakeApiScript,
  type FakeFault,
  type ReportedUsage,
} from "./fake-api.js";

export type { FakeFault, RecordedRequest, ReportedUsage } from "./fake-api.js";

/** A Google API error: HTTP status, `error.message`, `error.status` (the RPC code's name), `error.details`. */
export interface GeminiError {
  status: number;
  message: string;
  statusText: string;
  details?: unknown[];
}

/**
 * What the Gemini API answers to a wrong key (`?key=`/`x-goog-api-key`): 400 INVALID_ARGUMENT with the
 * ErrorInfo reason API_KEY_INVALID — not a 401.
 */
export const GEMINI_INVALID_KEY: GeminiError = {
  status: 400,
  statusText: "INVALID_ARGUMENT",
  message: "API key not valid. Please pass a valid API key.",
  details: [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    },
  ],
};

/** The 401 UNAUTHENTICATED Google APIs answer to a missing or bad OAuth credential. */
export const GEMINI_UNAUTHENTICATED: GeminiError = {
  status: 401,
  statusText: "UNAUTHENTICATED",
  message:
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
};

/** A 500 INTERNAL with `message` (Google's own reads "An internal error has occurred. Please retry or report …"). */
export function geminiServerError(message: string): GeminiError {
  return { status: 500, statusText: "INTERNAL", message };
}

function sendGeminiError(res: ServerResponse, e: GeminiError): void {
  sendJson(res, e.status, {
    error: {
      code: e.status,
      message: e.message,
      status: e.statusText,
      ...(e.details ? { details: e.details } : {}),
    },
  });
}

export interface FakeGeminiReply extends FakeFault {
  text?: string;
  functionCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  /** Defaults: prompt 100, candidates 20. */
  usage?: { promptTokenCount?: number; candidatesTokenCount?: number; cachedContentTokenCount?: number };
  /**
   * An HTTP error instead of a reply, e.g. { status: 429, message: "...", statusText: "RESOURCE_EXHAUSTED" },
   * GEMINI_INVALID_KEY, geminiServerError(…).
   */
  error?: GeminiError;
}

export type FakeGeminiScript = FakeApiScript<FakeGeminiReply>;

export type FakeGemini = FakeApi;

/** The model and method of a `…/models/MODEL:METHOD` request. */
function callOf(req: IncomingMessage): { model: string; method: string | undefined } {
  const m = /\/models\/([^/:]+):(\w+)$/.exec(pathOf(req));
  return { model: m?.[1] ?? "gemini-2.5-pro", method: m?.[2] };
}

function reportedOf(reply: FakeGeminiReply, model: string, agent: boolean): ReportedUsage {
  const prompt = reply.usage?.promptTokenCount ?? 100;
  const cached = Math.min(reply.usage?.cachedContentTokenCount ?? 0, prompt);
  return {
    model,
    agent,
    complete: !reply.hang,
    inputTokens: prompt - cached,
    outputTokens: reply.usage?.candidatesTokenCount ?? 20,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
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

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeGemini(script: FakeGeminiScript): Promise<FakeGemini> {
  let turn = 0;
  return startFakeApi({
    // The agent loop's requests are its streamed turns.
    isAgent: (req) => callOf(req).method === "streamGenerateContent",
    async handle(req, res, recorded, report) {
      const { model, method } = callOf(req);
      if (method === "countTokens") return sendJson(res, 200, { totalTokens: 100 });
      if (method === "generateContent") {
        // Side calls (model routing, next-speaker and loop checks) ask for JSON of a schema: its required fields.
        const config = recorded.body?.generationConfig;
        const schema = config?.responseJsonSchema ?? config?.responseSchema;
        const text =
          config?.responseMimeType === "application/json" ? JSON.stringify(sampleOf(schema)) : "ok";
        report(reportedOf({ text }, model, false));
        return sendJson(res, 200, responseOf({ text }, model));
      }
      if (!recorded.agent)
        return sendJson(res, 404, {
          error: { code: 404, message: `fake: no route ${pathOf(req)}`, status: "NOT_FOUND" },
        });
      const reply = pickReply(script, recorded, turn++);
      if (!(await applyDelay(res, reply))) return;
      if (reply.error) return sendGeminiError(res, reply.error);
      report(reportedOf(reply, model, true));
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      if (reply.hang) {
        // A first chunk of text (no finishReason, no usage yet), then nothing: held open until the fake closes.
        const first = {
          candidates: [
            { content: { role: "model", parts: [{ text: reply.text ?? "Let me think about" }] }, index: 0 },
          ],
          modelVersion: model,
        };
        res.write(`data: ${JSON.stringify(first)}\r\n\r\n`);
        return;
      }
      res.write(`data: ${JSON.stringify(responseOf(reply, model))}\r\n\r\n`);
      res.end();
    },
    internalError: (message) => ({ error: { code: 500, message, status: "INTERNAL" } }),
  });
}
