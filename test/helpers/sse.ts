// Reading text/event-stream in tests: the WHATWG parser reduced to what the run page uses, and a client that keeps
// what a stream sent so far.
import http from "node:http";

export interface SseMessage {
  event: string;
  id: string;
  data: string;
}

/** Messages in a stream's text (comments and retry: left out; a message without data: is none). */
export function parseSse(stream: string): SseMessage[] {
  const out: SseMessage[] = [];
  let event = "";
  let data: string[] = [];
  let id = "";
  for (const line of stream.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length > 0) out.push({ event: event || "message", id, data: data.join("\n") });
      event = "";
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const name = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (name === "data") data.push(value);
    else if (name === "event") event = value;
    else if (name === "id") id = value;
  }
  return out;
}

export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  messages(): SseMessage[];
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  /** Waits until pred holds for what arrived (polls every 10 ms). */
  until(pred: (msgs: SseMessage[], text: string) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    // A connection of its own, closed with the response: nothing left open when a test ends.
    const req = http.get(
      url,
      { agent: false, headers: { accept: "text/event-stream", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        const ended = new Promise<void>((r) => {
          res.on("end", () => r());
          res.on("close", () => r());
        });
        const client: SseClient = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: () => text,
          messages: () => parseSse(text),
          ended,
          async until(pred, timeoutMs = 5000) {
            const deadline = Date.now() + timeoutMs;
            while (!pred(parseSse(text), text)) {
              if (Date.now() > deadline) throw new Error(`SSE: timed out; got:\n${text.slice(-2000)}`);
              await new Promise((r) => setTimeout(r, 10));
            }
          },
          close: () => req.destroy(),
        };
        resolve(client);
      },
    );
    req.on("error", reject);
  });
}
