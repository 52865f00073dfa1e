// Reading text/event-stream in tests: the WHATWG parser reduced to what the run page uses, and a client that keeps
// what a stream sent so far.
import type http from "node:http";
import net from "node:net";

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
  // A raw socket speaking HTTP/1.0 (so the body comes unchunked and the connection ends with it): no HTTP client
  // (nor nock, which other test files of the same jest worker load) stands between the test and the server, and
  // close() really closes the connection the server watches.
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let raw = "";
    let text = "";
    let head = true;
    const ended = new Promise<void>((r) => socket.on("close", () => r()));
    socket.setEncoding("utf8");
    socket.on("error", (err) => (head ? reject(err) : undefined));
    socket.on("data", (chunk: string) => {
      if (!head) return void (text += chunk);
      raw += chunk;
      const at = raw.indexOf("\r\n\r\n");
      if (at < 0) return;
      head = false;
      const [statusLine, ...lines] = raw.slice(0, at).split("\r\n");
      text = raw.slice(at + 4);
      const got: http.IncomingHttpHeaders = {};
      for (const l of lines) {
        const i = l.indexOf(":");
        if (i > 0) got[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0),
        headers: got,
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
        close: () => socket.destroy(),
      });
    });
    const lines = Object.entries({ host: u.host, accept: "text/event-stream", ...headers }).map(
      ([k, v]) => `${k}: ${v}\r\n`,
    );
    socket.write(`GET ${u.pathname}${u.search} HTTP/1.0\r\n${lines.join("")}\r\n`);
  });
}
