// A child process of bench/run-page-viewers.ts: N browsers' worth of open run-page event streams (plain HTTP
// clients reading text/event-stream), apart from the load generator so their parsing does not slow it down.
//   node --import tsx bench/lib/sse-viewers.ts <events URL> <N>
// Prints "ready" once every stream has its hello; on SIGTERM prints {"messages":…,"bytes":…,"reconnects":…} and exits.
import http from "node:http";

const [url, nText] = process.argv.slice(2);
const n = Number(nText);
if (!url || !Number.isInteger(n) || n < 1) {
  console.error("usage: sse-viewers.ts <events URL> <N>");
  process.exit(2);
}
let messages = 0;
let bytes = 0;
let reconnects = 0;
let hellos = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: n + 10 });

function open(lastId?: string): void {
  const req = http.get(url!, { agent, headers: lastId ? { "last-event-id": lastId } : {} }, (res) => {
    res.setEncoding("utf8");
    let tail = "";
    let id = lastId;
    let helloSeen = false;
    res.on("data", (chunk: string) => {
      bytes += Buffer.byteLength(chunk);
      const text = tail + chunk;
      const cut = text.lastIndexOf("\n\n");
      if (cut < 0) {
        tail = text;
        return;
      }
      tail = text.slice(cut + 2);
      for (const msg of text.slice(0, cut).split("\n\n")) {
        if (msg.startsWith("event: hello")) {
          if (!helloSeen && !lastId && ++hellos === n) console.log("ready");
          helloSeen = true;
        } else if (msg.includes("\ndata: ") || msg.startsWith("data: ")) {
          messages++;
          const m = /^id: (.+)$/m.exec(msg);
          if (m) id = m[1];
        }
      }
    });
    // The server ended the stream (busy, a restart): come back as EventSource would.
    res.on("end", () => {
      reconnects++;
      setTimeout(() => open(id), 500);
    });
  });
  req.on("error", () => setTimeout(() => open(lastId), 500));
}

for (let i = 0; i < n; i++) open();
process.on("SIGTERM", () => {
  console.log(JSON.stringify({ messages, bytes, reconnects }));
  process.exit(0);
});
