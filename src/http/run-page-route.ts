// The live run page (issue 14 §2) behind the run log's signed, expiring link (run-log-link.ts):
//   GET /maestro/runs/<runId>?exp&sig         the page: static HTML, its script and style inline under a CSP of
//                                             their hashes (run-page-html.ts); it shows whatever the stream sends
//   GET /maestro/runs/<runId>/events?exp&sig  text/event-stream: the run's stored events, then new ones as the
//                                             worker appends them (RunLogStore.follow), until run.finished (or
//                                             log.truncated: the store takes no more of the run's events)
// Each message's `id:` is the event's store position: an EventSource that reconnects sends it back as
// Last-Event-ID and gets only what came after. Finished runs are answered from reads alone (no follower, no Redis
// connection held); a run still going holds one follower (one Redis connection) per process, shared by all its open
// pages (RunFollowHub).
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseRunLog } from "../runlog/read.js";
import { runLogPath } from "../runlog/paths.js";
import { RunFollowHub } from "../runlog/follow-hub.js";
import type { RunLogStore, StoredRunEvent } from "../runlog/store.js";
import { RunLogFollowLimitError } from "../runlog/redis-store.js";
import { RUN_PAGE_CSP, RUN_PAGE_HTML } from "./run-page-html.js";
import { RUN_PAGE_ROUTE, verifyRunLogLink } from "./run-log-link.js";
import type { RunLogRouteDeps } from "./run-log-route.js";
import { resumePosition, sseComment, sseMessage, sseRetry } from "./sse.js";

export interface RunPageDeps extends RunLogRouteDeps {
  /** Pause between two heartbeat comments on an open stream, ms (also when an expired link is noticed). Default 15000. */
  heartbeatMs?: number;
}

/** Events read from the store per round trip while the stored part is replayed. */
const PAGE = 1000;
/** The browser's pause before it reconnects a dropped stream, ms. */
const RETRY_MS = 2000;
/** ... and after "busy" (this process follows as many runs as it may). */
const BUSY_RETRY_MS = 10_000;

/** One hub per store: every stream of this process on a run shares its follower. */
const hubs = new WeakMap<RunLogStore, RunFollowHub>();
function hubOf(store: RunLogStore): RunFollowHub {
  let hub = hubs.get(store);
  if (!hub) hubs.set(store, (hub = new RunFollowHub(store)));
  return hub;
}

/** True when it answered the request. */
export async function serveRunPage(
  deps: RunPageDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const match = RUN_PAGE_ROUTE.exec(url.pathname);
  if (!match) return false;
  const runId = match[1]!;
  if (!deps.signingKey)
    return sendText(res, 404, "run pages are not served: MAESTRO_LOG_SIGNING_KEY is not set\n");
  const exp = url.searchParams.get("exp");
  const check = verifyRunLogLink({
    runId,
    exp,
    sig: url.searchParams.get("sig"),
    key: deps.signingKey,
    ...(deps.now ? { now: deps.now() } : {}),
  });
  if (!check.ok) return sendText(res, check.status, `${check.reason}\n`);
  if (!match[2]) {
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": RUN_PAGE_CSP,
      // The URL carries the link's signature: never sent on to a page it links to.
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "cache-control": "private, no-store",
    });
    res.end(req.method === "HEAD" ? undefined : RUN_PAGE_HTML);
    return true;
  }
  await streamRunEvents(deps, runId, Number(exp), req, res);
  return true;
}

async function streamRunEvents(
  deps: RunPageDeps,
  runId: string,
  exp: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const after = resumePosition(
    req.headers["last-event-id"],
    new URL(req.url ?? "/", "http://localhost").searchParams.get("after"),
  );
  let first: StoredRunEvent[] = [];
  let fromFile = false;
  if (deps.store) {
    try {
      first = await deps.store.read(runId, { ...(after ? { after } : {}), count: PAGE });
    } catch {
      sendText(res, 503, "the run-log store (Redis) does not answer; try again in a moment\n");
      return;
    }
  }
  // Nothing in the store: a log from before the store (or expired from it, or a store turned off) is read from
  // this host's file, whole, once. With neither, the run may not have written its first event yet: wait for it.
  const file = runLogPath(deps.dataDir, runId);
  if (first.length === 0 && after === undefined) {
    fromFile = (await fs.promises.stat(file).catch(() => null)) !== null;
    if (!fromFile && !deps.store) {
      sendText(res, 404, `no run log for ${runId} (it may have expired)\n`);
      return;
    }
  }
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "private, no-store, no-transform",
    "x-accel-buffering": "no",
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const out = new SseOut(res);
  out.write(sseRetry(RETRY_MS) + sseMessage({ event: "hello", data: { runId, now: Date.now() } }));
  const now = () => (deps.now ? deps.now() : new Date()).getTime();
  const heartbeat = setInterval(() => {
    if (now() / 1000 > exp) {
      // The link died while the page was open: say so once; the browser's reconnects would get 403.
      out.write(sseMessage({ event: "expired", data: {} }));
      out.end();
    } else out.write(sseComment("keep-alive"));
  }, deps.heartbeatMs ?? 15_000);
  heartbeat.unref();
  try {
    if (fromFile) {
      const { events } = parseRunLog(await fs.promises.readFile(file, "utf8"));
      // No store positions: sent without ids (a reconnect would start over), then the end.
      for (let i = 0; i < events.length && !out.gone; i += PAGE) {
        await out.send(
          events
            .slice(i, i + PAGE)
            .map((e) => sseMessage({ data: e }))
            .join(""),
        );
      }
      out.write(sseMessage({ event: "end", data: { reason: "file" } }));
      return;
    }
    const store = deps.store!;
    let last = after;
    let lastType: string | undefined;
    let page = first;
    for (;;) {
      if (page.length > 0) {
        await out.send(page.map((s) => sseMessage({ id: s.id, data: s.event })).join(""));
        last = page.at(-1)!.id;
        lastType = page.at(-1)!.event.type;
      }
      if (out.gone || page.length < PAGE) break;
      page = await store.read(runId, { after: last!, count: PAGE });
    }
    // A finished run is told whole from reads; only a run still going gets a follower.
    const endOf = (type: string | undefined) =>
      type === "run.finished" ? "finished" : type === "log.truncated" ? "truncated" : undefined;
    if (endOf(lastType)) {
      out.write(sseMessage({ event: "end", data: { reason: endOf(lastType) } }));
      return;
    }
    for await (const s of hubOf(store).follow(runId, last, out.signal)) {
      await out.send(sseMessage({ id: s.id, data: s.event }));
      // After log.truncated the store takes no more of the run's events: nothing more will come.
      if (endOf(s.event.type)) {
        out.write(sseMessage({ event: "end", data: { reason: endOf(s.event.type) } }));
        return;
      }
    }
  } catch (err) {
    // Too many followers in this process: the browser comes back later (its Last-Event-ID keeps its place).
    if (err instanceof RunLogFollowLimitError) {
      out.write(sseRetry(BUSY_RETRY_MS) + sseMessage({ event: "busy", data: { retryMs: BUSY_RETRY_MS } }));
    }
    // Anything else (Redis went away mid-replay, a reader too slow for the run): the stream ends; the browser
    // reconnects after RETRY_MS and reads on from its Last-Event-ID.
  } finally {
    clearInterval(heartbeat);
    out.end();
  }
}

/** The response of one stream: writes coalesced per tick, backpressure, and an AbortSignal for the follower. */
class SseOut {
  private readonly aborter = new AbortController();
  private corked = false;

  constructor(private readonly res: ServerResponse) {
    res.once("close", () => this.aborter.abort());
  }

  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  get gone(): boolean {
    return this.aborter.signal.aborted || this.res.writableEnded || this.res.destroyed;
  }

  /** Writes now; false when the socket's buffer is full. */
  write(text: string): boolean {
    if (this.gone) return false;
    // Events that arrive together leave in one packet.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    return this.res.write(text);
  }

  /** Writes and waits until the socket takes more (a slow reader holds its follower back, not serve's memory). */
  async send(text: string): Promise<void> {
    if (this.write(text) || this.gone) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }

  end(): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
    this.aborter.abort();
  }
}

function sendText(res: ServerResponse, status: number, text: string): true {
  res
    .writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
    .end(text);
  return true;
}
