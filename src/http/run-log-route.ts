// Serves a run log behind a signed, expiring link. No key configured: the route answers 404 for everything.
// The log comes from the shared store (Redis, issue 14), whichever worker wrote it, so serve needs no disk shared
// with the workers; this host's own file answers for logs the store does not have (written before the store, or
// expired from it) and for a log the store cut short (`log.truncated`) when the whole file is here.
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { runLogPath } from "../runlog/paths.js";
import type { RunLogStore } from "../runlog/store.js";
import { RUN_LOG_ROUTE, verifyRunLogLink } from "./run-log-link.js";

export interface RunLogRouteDeps {
  dataDir: string;
  signingKey?: string;
  now?: () => Date;
  /** The shared run-log store; without it only this host's files are served. */
  store?: RunLogStore;
}

/** Events read from the store per round trip while a log is streamed out. */
const PAGE = 1000;

const HEADERS = (runId: string) => ({
  "content-type": "application/x-ndjson; charset=utf-8",
  "content-disposition": `inline; filename="${runId}.jsonl"`,
  "cache-control": "private, no-store",
});

/** True when it answered the request. */
export async function serveRunLog(
  deps: RunLogRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const match = RUN_LOG_ROUTE.exec(url.pathname);
  if (!match) return false;
  const runId = match[1]!;
  if (!deps.signingKey)
    return sendText(res, 404, "run logs are not served: MAESTRO_LOG_SIGNING_KEY is not set\n");
  const check = verifyRunLogLink({
    runId,
    exp: url.searchParams.get("exp"),
    sig: url.searchParams.get("sig"),
    key: deps.signingKey,
    ...(deps.now ? { now: deps.now() } : {}),
  });
  if (!check.ok) return sendText(res, check.status, `${check.reason}\n`);
  const file = runLogPath(deps.dataDir, runId);
  const stat = await fs.promises.stat(file).catch(() => null);
  let storeDown = false;
  if (deps.store) {
    try {
      const tail = deps.store.tail
        ? await deps.store.tail(runId)
        : { seq: await deps.store.lastSeq(runId), truncated: false };
      // The store stopped taking this run's events: this host's file, when it is here, is the whole log.
      if (tail.seq >= 0 && !(tail.truncated && stat)) return streamFromStore(deps.store, runId, req, res);
    } catch {
      storeDown = true;
    }
  }
  if (!stat) {
    return storeDown
      ? sendText(res, 503, `the run-log store (Redis) does not answer; try again in a moment\n`)
      : sendText(res, 404, `no run log for ${runId} (it may have expired)\n`);
  }
  res.writeHead(200, { ...HEADERS(runId), "content-length": String(stat.size) });
  if (req.method === "HEAD") {
    res.end();
    return true;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(file, { end: Math.max(0, stat.size - 1) });
    stream.on("error", () => {
      res.destroy();
      resolve();
    });
    stream.on("end", () => resolve());
    stream.pipe(res);
  });
  return true;
}

/** The stored log, page by page, as JSONL (chunked: its length is known only at the end). */
async function streamFromStore(
  store: RunLogStore,
  runId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<true> {
  let page;
  try {
    page = await store.read(runId, { count: PAGE });
  } catch {
    return sendText(res, 503, `the run-log store (Redis) does not answer; try again in a moment\n`);
  }
  res.writeHead(200, HEADERS(runId));
  if (req.method === "HEAD") {
    res.end();
    return true;
  }
  let gone = false;
  res.once("close", () => (gone = true));
  try {
    for (;;) {
      const text = page.map((s) => JSON.stringify(s.event) + "\n").join("");
      if (text && !res.write(text)) await drained(res);
      if (gone || page.length < PAGE) break;
      page = await store.read(runId, { after: page.at(-1)!.id, count: PAGE });
    }
    res.end();
  } catch {
    // Redis went away mid-log: cut the response so the client sees it incomplete, not a short log.
    res.destroy();
  }
  return true;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function sendText(res: ServerResponse, status: number, text: string): true {
  res
    .writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
    .end(text);
  return true;
}
