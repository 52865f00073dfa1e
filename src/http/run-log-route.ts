// Serves a run log behind a signed, expiring link. No key configured: the route answers 404 for everything.
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { runLogPath } from "../runlog/paths.js";
import { RUN_LOG_ROUTE, verifyRunLogLink } from "./run-log-link.js";

export interface RunLogRouteDeps {
  dataDir: string;
  signingKey?: string;
  now?: () => Date;
}

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
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    return sendText(res, 404, `no run log for ${runId} on this server\n`);
  }
  res.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "content-length": String(stat.size),
    "content-disposition": `inline; filename="${runId}.jsonl"`,
    "cache-control": "private, no-store",
  });
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

function sendText(res: ServerResponse, status: number, text: string): true {
  res
    .writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
    .end(text);
  return true;
}
