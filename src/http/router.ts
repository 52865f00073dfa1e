// Routes served beside the webhook path: /healthz, /readyz, /metrics, signed run-log links, the operator view.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import { liveness, readiness, type HealthCheck } from "./health.js";
import type { Metrics } from "./metrics.js";
import { serveRunLog, type RunLogRouteDeps } from "./run-log-route.js";
import { serveRunPage, type RunPageDeps } from "./run-page-route.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface HttpRoutesDeps {
  redis: Pick<Redis, "ping" | "status">;
  metrics: Metrics;
  readyTimeoutMs?: number;
  /** Serves GET /maestro/runs/<runId>.jsonl?exp&sig from the artifact store when given, and the live run page
   * GET /maestro/runs/<runId>?exp&sig with its event stream /maestro/runs/<runId>/events (run-page-route.ts). */
  runLogs?: RunLogRouteDeps & RunPageDeps;
  /** Answers everything under /maestro/admin, any method (src/http/admin/operator-view.ts); false elsewhere. */
  admin?: RouteHandler;
}

/** Resolves true when it answered the request, false to let the next handler (Probot) try. */
export function createHttpRoutes(deps: HttpRoutesDeps): RouteHandler {
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (deps.admin && (await deps.admin(req, res))) return true;
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    switch (path) {
      case "/healthz":
        sendJson(res, liveness());
        return true;
      case "/readyz":
        sendJson(res, await readiness(deps.redis, deps.readyTimeoutMs));
        return true;
      case "/metrics": {
        try {
          const text = await deps.metrics.registry.metrics();
          res.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text);
        } catch (err) {
          res
            .writeHead(500, { "content-type": "text/plain; charset=utf-8" })
            .end(`metrics collection failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
        return true;
      }
      default:
        if (!deps.runLogs) return false;
        return (await serveRunLog(deps.runLogs, req, res)) || serveRunPage(deps.runLogs, req, res);
    }
  };
}

function sendJson(res: ServerResponse, check: HealthCheck): void {
  res
    .writeHead(check.status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    })
    .end(JSON.stringify(check.body));
}
