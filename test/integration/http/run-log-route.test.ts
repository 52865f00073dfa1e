// The signed run-log route on a real HTTP server, reading a real run log from the artifact store.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { signRunLogUrl } from "../../../src/http/run-log-link.js";
import { serveRunLog } from "../../../src/http/run-log-route.js";
import { RunLogWriter } from "../../../src/runlog/writer.js";
import { runLogPath } from "../../../src/runlog/paths.js";
import { makeTempDir } from "../../helpers/git-repo.js";

const key = "s".repeat(32);
let dataDir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dataDir = await makeTempDir("maestro-runlog-route-");
  const log = RunLogWriter.open({ path: runLogPath(dataDir, "rlog0001"), runId: "rlog0001" });
  log.write({ type: "task.started", index: 0, text: "Do a thing" });
  log.close();
  server = createServer((req, res) => {
    void serveRunLog({ dataDir, signingKey: key }, req, res).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("GET /maestro/runs/<runId>.jsonl", () => {
  it("serves the log to a signed link, byte for byte, as NDJSON", async () => {
    const res = await fetch(signRunLogUrl({ publicUrl: base, runId: "rlog0001", key }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/x-ndjson/);
    expect(await res.text()).toBe(fs.readFileSync(path.join(dataDir, "runs", "rlog0001.jsonl"), "utf8"));
  });

  it("403 for unsigned, tampered or expired links; 404 for an unknown run; other paths pass through", async () => {
    expect((await fetch(`${base}/maestro/runs/rlog0001.jsonl`)).status).toBe(403);
    const other = new URL(signRunLogUrl({ publicUrl: base, runId: "rlog0002", key }));
    expect((await fetch(`${base}/maestro/runs/rlog0001.jsonl${other.search}`)).status).toBe(403);
    const expired = signRunLogUrl({
      publicUrl: base,
      runId: "rlog0001",
      key,
      now: new Date(Date.now() - 3600_000),
      ttlSeconds: 60,
    });
    const r = await fetch(expired);
    expect(r.status).toBe(403);
    expect(await r.text()).toMatch(/expired/);
    expect((await fetch(signRunLogUrl({ publicUrl: base, runId: "rnope01", key }))).status).toBe(404);
    expect((await fetch(`${base}/maestro/runs/..%2F..%2Fetc%2Fpasswd.jsonl`)).status).toBe(418);
    expect((await fetch(`${base}/healthz`)).status).toBe(418);
  });
});
