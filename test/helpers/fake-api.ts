// What the local model-API stand-ins (fake-anthropic, fake-gemini, fake-openai-chat, fake-openai-responses) share:
// a server on 127.0.0.1 with a free port that parses each request's JSON body, records the request and hands it to
// the fake's own handler; the script of replies and how a turn picks from it; unique ids; JSON replies.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** True for the agent loop's requests (unless the fake says otherwise: they carry tools). */
  agent: boolean;
}

/** A fixed list consumed one reply per agent request (the last repeats), or a function of the request. */
export type FakeApiScript<Reply> = Reply[] | ((req: RecordedRequest, turn: number) => Reply);

/**
 * How a scripted reply misbehaves (shared by every fake). Absent: answered at once and whole.
 * - `delayMs`: nothing at all (not even the headers) for this long, then the reply: a slow model. `Infinity`
 *   (or any delay longer than the test) holds the request until the fake closes.
 * - `hang`: the stream's first events (headers, the opening event, a first text delta), then nothing more, the
 *   connection held open until the fake closes: a model that hangs mid-stream.
 */
export interface FakeFault {
  delayMs?: number;
  hang?: boolean;
}

/**
 * Token counts a reply carried, as Maestro counts them (`inputTokens` = uncached input, whatever the vendor's
 * own field includes), so a test can compare a run's tokens and cost with what the stand-in reported.
 */
export interface ReportedUsage {
  /** The model the reply named. */
  model: string;
  /** From an agent-loop request (see RecordedRequest.agent), not a side call (titles, checks). */
  agent: boolean;
  /** False for a reply cut short (`hang`): the usage was sent in its first events, the reply never finished. */
  complete: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface FakeApi {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  requests: RecordedRequest[];
  /** The usage of every reply sent (side calls too), in order. */
  reported: ReportedUsage[];
  /** Resolves once `n` agent-loop requests (default 1) have arrived, with the n-th. */
  waitForAgentRequest(n?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export interface FakeApiHandler {
  /** Answers one request; it has already been recorded. `report` records the usage a reply carries. */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    recorded: RecordedRequest,
    report: (usage: ReportedUsage) => void,
  ): void | Promise<void>;
  /** The body of the 500 reply sent when `handle` throws, in the API's error shape. */
  internalError(message: string): unknown;
  /** Whether a request is the agent loop's. Default: its body carries a non-empty `tools`. */
  isAgent?(req: IncomingMessage, body: any): boolean; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let counter = 0;
/** A unique id such as `msg_fakelz3k0a000001`. */
export const nextId = (prefix: string): string =>
  `${prefix}_fake${Date.now().toString(36)}${(counter++).toString(36).padStart(6, "0")}`;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

/** The path of a request's URL, without its query. */
export const pathOf = (req: IncomingMessage): string => (req.url ?? "/").split("?")[0]!;

/** The script's reply for agent turn `turn` (from 0); a list past its end repeats its last, an empty one says "done". */
export function pickReply<Reply extends { text?: string }>(
  script: FakeApiScript<Reply>,
  recorded: RecordedRequest,
  turn: number,
): Reply {
  if (typeof script === "function") return script(recorded, turn);
  return script[Math.min(turn, script.length - 1)] ?? ({ text: "done" } as Reply);
}

/**
 * Waits `fault.delayMs` (when set) before a reply is written; resolves false when the client went away or the
 * fake closed meanwhile (then nothing more is to be written). The timer does not keep the process alive.
 */
export function applyDelay(res: ServerResponse, fault: FakeFault): Promise<boolean> {
  const ms = fault.delayMs;
  if (!ms || ms <= 0) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const done = (alive: boolean) => {
      if (timer) clearTimeout(timer);
      res.off("close", onClose);
      resolve(alive && !res.destroyed);
    };
    const onClose = () => done(false);
    res.on("close", onClose);
    // setTimeout's limit is 2^31-1 ms: anything longer (Infinity) waits for the close
    const timer = Number.isFinite(ms) && ms < 2 ** 31 ? setTimeout(() => done(true), ms) : undefined;
    timer?.unref();
  });
}

/** Starts a fake on 127.0.0.1 with a free port; `close()` also drops open (streaming, keep-alive) connections. */
export async function startFakeApi(handler: FakeApiHandler): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  const reported: ReportedUsage[] = [];
  const waiters: Array<{ n: number; resolve: (r: RecordedRequest) => void }> = [];
  const agentRequests: RecordedRequest[] = [];
  const report = (usage: ReportedUsage) => reported.push(usage);
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const agent = handler.isAgent
        ? handler.isAgent(req, body)
        : Array.isArray(body?.tools) && body.tools.length > 0;
      const recorded = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body,
        agent,
      };
      requests.push(recorded);
      if (agent) {
        agentRequests.push(recorded);
        for (const w of waiters.filter((w) => agentRequests.length >= w.n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(agentRequests[w.n - 1]!);
        }
      }
      await handler.handle(req, res, recorded, report);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, handler.internalError(String(err)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reported,
    waitForAgentRequest: (n = 1) =>
      agentRequests.length >= n
        ? Promise.resolve(agentRequests[n - 1]!)
        : new Promise<RecordedRequest>((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
