// The operator view under /maestro/admin, behind MAESTRO_ADMIN_TOKEN (src/http/admin/auth.ts):
//   /maestro/admin/            an index of the two pages below
//   /maestro/admin/queues/     bull-board (UI and its JSON API, /maestro/admin/queues/api/…) over the run queue
//   /maestro/admin/costs       the day's agent spend per repository (HTML; costs.json for JSON)
// bull-board runs on its Express adapter, used as a plain (req, res, next) function under node:http: it is the
// adapter bull-board is built and tested against first, and it needs no bridge (Hono's needs @hono/node-server
// to turn node requests into fetch Requests, and serves the UI's files from a path relative to the process's
// working directory). Read-only unless MAESTRO_ADMIN_READONLY=0. Everything the board's API answers passes
// through the redactor (known secret values and token shapes), though run jobs carry no secret by schema.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../../queue/connection.js";
import type { RunQueue } from "../../queue/enqueue.js";
import { createRedactor, redactDeep, type Redactor } from "../../security/redact.js";
import type { RouteHandler } from "../router.js";
import {
  createCredentialCheck,
  isCrossSite,
  sendText,
  sendUnauthorized,
  sendViewOff,
  setOperatorHeaders,
} from "./auth.js";
import { escapeHtml, serveCosts } from "./costs.js";

export const ADMIN_BASE = "/maestro/admin";
export const QUEUES_PATH = `${ADMIN_BASE}/queues`;
export const COSTS_PATH = `${ADMIN_BASE}/costs`;

export interface OperatorViewDeps {
  /** MAESTRO_ADMIN_TOKEN; undefined: the view is off (404 saying how to turn it on). */
  token?: string;
  /** MAESTRO_ADMIN_READONLY (default true): only GET and HEAD; the board shows no action. */
  readOnly: boolean;
  queue: RunQueue;
  /** Where the daily-budget ledger lives (the queue's Redis and prefix). */
  store: Store;
  /** MAESTRO_PUBLIC_URL: behind a proxy, the origin the operators' browsers use. */
  publicUrl?: string;
  /** Secret values hidden from what the board shows (raw and encoded), beside well-known token shapes. */
  secrets?: string[];
  /** For errors of the board itself; never shown to the client. */
  log?: { error(obj: unknown, msg?: string): void };
}

/**
 * bull-board routes never offered, even with MAESTRO_ADMIN_READONLY=0: adding a job or editing a job's data
 * would start a run no webhook asked for, past the permission check of its sender (DESIGN §11), and obliterate
 * deletes the queue under running workers.
 */
export const REFUSED_BOARD_ROUTES: ReadonlySet<string> = new Set([
  "/api/queues/:queueName/add",
  "/api/queues/:queueName/:jobId/update-data",
  "/api/queues/:queueName/obliterate",
]);

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Resolves true for every request under /maestro/admin (answered here), false for any other path. */
export function createOperatorView(deps: OperatorViewDeps): RouteHandler {
  const check = deps.token !== undefined ? createCredentialCheck(deps.token) : undefined;
  const publicOrigin = deps.publicUrl !== undefined ? new URL(deps.publicUrl).origin : undefined;
  let board: Promise<NodeHandler> | undefined;
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== ADMIN_BASE && !path.startsWith(`${ADMIN_BASE}/`)) return false;
    setOperatorHeaders(res);
    if (check === undefined) {
      sendViewOff(res);
      return true;
    }
    if (!check(req)) {
      sendUnauthorized(res);
      return true;
    }
    const reading = req.method === "GET" || req.method === "HEAD";
    if (!reading) {
      if (deps.readOnly) {
        sendText(
          res,
          405,
          "The operator view is read-only. To let operators retry, clean, promote and pause jobs, set " +
            "MAESTRO_ADMIN_READONLY=0 and restart `maestro serve`.\n",
          { allow: "GET, HEAD" },
        );
        return true;
      }
      if (isCrossSite(req, publicOrigin)) {
        sendText(res, 403, "Refused: a change to the queue must come from the operator view's own pages.\n");
        return true;
      }
    }
    if (path === QUEUES_PATH || path.startsWith(`${QUEUES_PATH}/`)) {
      board ??= createBoard(deps).catch((err: unknown) => {
        board = undefined; // tried again on the next request
        throw err;
      });
      await serveBoard(await board, req, res, deps);
      return true;
    }
    if (!reading) {
      sendText(res, 405, `${req.method} ${path}: this page is read-only\n`, { allow: "GET, HEAD" });
      return true;
    }
    if (path === ADMIN_BASE || path === `${ADMIN_BASE}/`) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(renderIndex(deps.readOnly));
      return true;
    }
    if (path === COSTS_PATH || path === `${COSTS_PATH}.json`) {
      await serveCosts(deps.store, req, res, path.endsWith(".json") ? "json" : "html");
      return true;
    }
    sendText(
      res,
      404,
      `Not found: ${path}. The operator view has ${ADMIN_BASE}/queues/ and ${COSTS_PATH}.\n`,
    );
    return true;
  };
}

async function createBoard(deps: OperatorViewDeps): Promise<NodeHandler> {
  // Loaded on first use: a serve without the view never loads Express.
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/express"),
  ]);
  let redact: Redactor | undefined;
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: [
      new BullMQAdapter(deps.queue as never, {
        readOnlyMode: deps.readOnly,
        allowRetries: !deps.readOnly,
        // Not a QueueAdapterOptions field in bull-board's types, but read by its adapters: the UI offers no
        // retry of completed jobs (the API is fenced below).
        ...({ allowCompletedRetries: false } as object),
        displayName: "Runs",
        description: "Maestro's runs: queued by webhooks, taken by workers (a job id is a run id).",
      }),
    ],
    serverAdapter: adapter,
    options: {
      uiConfig: {
        boardTitle: "Maestro runs",
        miscLinks: [{ text: "Cost today", url: COSTS_PATH }],
      },
      handlerHooks: {
        before: async (ctx) => {
          if (deps.readOnly && ctx.method !== "get")
            return { allow: false, status: 405, message: "The operator view is read-only." };
          if (REFUSED_BOARD_ROUTES.has(ctx.route))
            return {
              allow: false,
              status: 403,
              message: "Maestro's operator view does not add jobs, edit job data or obliterate the queue.",
            };
          if (await retriesFinishedRun(deps.queue, ctx.route, ctx.request.params))
            return {
              allow: false,
              status: 403,
              message:
                "Only failed jobs are retried here. A completed job is a finished run: `/maestro retry <run id>` on " +
                "its issue resumes a failed, cancelled or timed-out run as a new run, with the budget checked.",
            };
          return undefined;
        },
        after: (_ctx, result) => {
          redact ??= createRedactor(deps.secrets ?? []);
          return { ...result, body: redactDeep(result.body, redact) };
        },
      },
    },
  });
  const app = adapter.getRouter() as NodeHandler & {
    set(k: string, v: unknown): unknown;
    disable(k: string): unknown;
  };
  // "production": Express's own error pages carry no stack trace; the view template is read once.
  app.set("env", "production");
  app.set("view cache", true);
  app.disable("x-powered-by");
  return app;
}

/**
 * A completed job is a finished run (succeeded, or ended failed, cancelled, over budget or timed out by the engine):
 * running it again from the board would spend the agent budget outside `/maestro retry`. BullMQ's failed jobs — runs
 * that ran out of attempts on infrastructure errors — may be retried.
 */
async function retriesFinishedRun(
  queue: RunQueue,
  route: string,
  params: Record<string, unknown>,
): Promise<boolean> {
  if (route === "/api/queues/:queueName/retry/:queueStatus") return params.queueStatus !== "failed";
  if (route === "/api/queues/:queueName/:jobId/retry")
    return typeof params.jobId !== "string" || (await queue.getJobState(params.jobId)) !== "failed";
  return false;
}

/** Hands the request to bull-board with the base path taken off, as if mounted there. */
async function serveBoard(
  app: NodeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  deps: OperatorViewDeps,
): Promise<void> {
  const rest = (req.url ?? "/").slice(QUEUES_PATH.length);
  req.url = rest.startsWith("/") ? rest : `/${rest}`;
  await new Promise<void>((resolve) => {
    res.once("close", () => resolve());
    app(req, res, (err) => {
      if (err !== undefined && err !== null) {
        deps.log?.error(err, "operator view: bull-board failed");
        if (!res.headersSent) sendText(res, 500, "The operator view failed; see the server log.\n");
        else res.destroy();
      } else if (!res.headersSent) {
        sendText(res, 404, `Not found under ${QUEUES_PATH}/\n`);
      }
      resolve();
    });
  });
}

function renderIndex(readOnly: boolean): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Maestro — operator view</title>
<style>body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; } li { margin: .4rem 0; }</style>
</head>
<body>
<h1>Maestro — operator view</h1>
<ul>
<li><a href="${escapeHtml(QUEUES_PATH)}/">Run queue</a>: waiting, active, delayed, failed and finished runs, with their attempts and errors</li>
<li><a href="${escapeHtml(COSTS_PATH)}">Cost today</a>: agent spend per repository (UTC day)</li>
</ul>
<p>${readOnly ? "Read-only (MAESTRO_ADMIN_READONLY=1)." : "Operators may retry, clean, promote and pause jobs (MAESTRO_ADMIN_READONLY=0)."}</p>
</body>
</html>
`;
}
