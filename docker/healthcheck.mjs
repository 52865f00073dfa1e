#!/usr/bin/env node
// The image's health check (Dockerfile HEALTHCHECK, compose.yaml), with no curl in the image.
//
//   node /app/docker/healthcheck.mjs [serve|worker]
//
// serve:  GET http://127.0.0.1:$PORT/healthz answers 200 (the process serves HTTP).
// worker: the sandbox can start (unless MAESTRO_SANDBOX=off) and Redis answers PING: what a worker needs to
//         take runs. A worker whose sandbox cannot start refuses every run, so it shows as unhealthy instead
//         of looking fine. Deliberately not `maestro doctor`: that also asks GitHub and the public URL, and
//         a GitHub outage should not mark every worker unhealthy. Run doctor yourself (docs/deploy.md).
// With no argument, the mode is read from the container's maestro process (its verb).
/* global fetch, AbortSignal */
import fs from "node:fs";

/** argv of the container's `maestro serve|worker` process, if one runs. */
function maestroArgv() {
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let argv;
    try {
      argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const at = argv.findIndex((a) => a.endsWith("maestro.js"));
    if (at >= 0 && pid !== String(process.pid)) return argv.slice(at + 1);
  }
  return [];
}

function done(ok, message) {
  if (!ok) console.error(`unhealthy: ${message}`);
  // Docker: 0 healthy, 1 unhealthy.
  process.exit(ok ? 0 : 1);
}

const argv = maestroArgv();
const mode = process.argv[2] ?? (argv.includes("serve") ? "serve" : "worker");

if (mode === "serve") {
  const flag = argv.indexOf("--port");
  const port = (flag >= 0 ? argv[flag + 1] : undefined) ?? process.env.PORT ?? "3000";
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
    done(res.status === 200, `GET /healthz answered ${res.status}`);
  } catch (err) {
    done(false, `GET http://127.0.0.1:${port}/healthz failed: ${err.cause?.message ?? err.message}`);
  }
} else {
  // The compiled modules the worker itself uses (the image has dist/ beside docker/).
  const { resolveSandbox } = await import("../dist/sandbox/setup.js");
  const { createRedis } = await import("../dist/queue/connection.js");
  const problems = [];
  const sandbox = await resolveSandbox(process.env, "on");
  if (sandbox.problem) problems.push(`sandbox: ${sandbox.problem}`);
  const redis = createRedis(process.env.REDIS_URL || "redis://127.0.0.1:6379", {
    options: { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 },
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    problems.push(`redis: no answer to PING (${err.message})`);
  } finally {
    redis.disconnect();
  }
  done(problems.length === 0, problems.join("; "));
}
