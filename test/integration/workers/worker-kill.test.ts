// TARGETS "worker SIGKILLed mid-task": resumed by another worker; 0 tasks committed twice; 1 PR;
// 1 status comment. The first worker runs in a child process (SIGKILLed after task 1 is pushed);
// both workers talk to one stand-in GitHub (the child through a proxy into this process's nock).
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { statusMarker } from "../../../src/github/status-comment.js";
import { enqueueRun } from "../../../src/queue/enqueue.js";
import { createRunQueue } from "../../../src/queue/run-queue.js";
import { getRun } from "../../../src/queue/runs-index.js";
import { startWorker, type RunningWorker } from "../../../src/workers/worker.js";
import { generateAppPrivateKey, testOctokit } from "../../helpers/github-api.js";
import { REDIS_URL, testStore } from "../../helpers/redis.js";
import { startApiProxy } from "../../helpers/worker-api-proxy.js";
import {
  OWNER,
  REPO,
  jobData,
  makeWorld,
  recordQueued,
  remoteCommits,
  workerDeps,
  type WorkerWorld,
} from "../../helpers/worker-fixture.js";
import { mockWorkerGitHub, type WorkerGitHub } from "../../helpers/worker-github.js";

const store = testStore("worker-kill");
const queue = createRunQueue(store.redis, store.prefix);
const privateKey = generateAppPrivateKey();
let gh: WorkerGitHub | undefined;
let world: WorkerWorld | undefined;
let child: ChildProcess | undefined;
let second: RunningWorker | undefined;
let first: RunningWorker | undefined;
let firstConnection: ReturnType<typeof store.redis.duplicate> | undefined;
let connection: ReturnType<typeof store.redis.duplicate> | undefined;
let proxy: Awaited<ReturnType<typeof startApiProxy>> | undefined;

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await second?.close();
  second = undefined;
  await connection?.quit();
  connection = undefined;
  await first?.close();
  first = undefined;
  await firstConnection?.quit();
  firstConnection = undefined;
  await proxy?.close();
  proxy = undefined;
  const problems = gh?.gh.problems() ?? [];
  gh?.gh.done();
  await world?.cleanup();
  world = undefined;
  gh = undefined;
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await queue.close();
  await store.close();
});

async function waitFor<T>(
  what: string | (() => string),
  fn: () => Promise<T | undefined | null | false> | T,
  ms = 90_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("worker killed mid-task", () => {
  it("another worker resumes the run from the pushed commits: no task twice, one PR, one status comment", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    proxy = await startApiProxy();
    // Task index 1 waits for a gate file the first time round (the first worker dies there).
    world = await makeWorld(
      `if [ "$MAESTRO_TASK_INDEX" = "1" ] && [ ! -f "$HOME/gate" ]; then echo $$ > "$HOME/pid-1"; touch "$HOME/started-1"; while [ ! -f "$HOME/gate" ]; do sleep 0.1; done; fi; ` +
        `echo "task $MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"; echo '{"type":"usage","inputTokens":1,"outputTokens":1,"costUsd":0.1}'`,
    );
    const w = world;
    const keyFile = path.join(w.tmp, "app.pem");
    fs.writeFileSync(keyFile, privateKey);
    const runId = "rworkerkill0001";
    const commentId = 900;
    gh.gh.state.comments.push({
      id: commentId,
      issueNumber: 7,
      body: `${statusMarker(runId)}\nqueued`,
      user: "maestro-test[bot]",
    });
    const data = jobData(runId, { statusCommentId: commentId });
    await recordQueued(store, data);
    await enqueueRun(queue, data, { deliveryId: `d-${runId}` });

    child = spawn(process.execPath, ["--import", "tsx", path.resolve("test/helpers/worker-child.ts")], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        REDIS_URL,
        WORKER_PREFIX: store.prefix,
        MAESTRO_DATA_DIR: w.dataDir,
        WORKER_REMOTE_DIR: w.remoteDir,
        WORKER_API_URL: proxy.url,
        WORKER_PRIVATE_KEY_FILE: keyFile,
        WORKER_AGENT_HOME: w.tmp,
        WORKER_LOCK_MS: "2000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let childOut = "";
    child.stderr!.on("data", (d: Buffer) => (childOut += d.toString()));
    child.stdout!.on("data", (d: Buffer) => (childOut += d.toString()));
    const branch = "maestro/7-three-rworkerk";
    await waitFor(
      () =>
        `the first worker to push task 1 and start task 2 (child output: ${childOut}; GitHub calls: ${gh?.gh.calls().join(", ")})`,
      async () =>
        fs.existsSync(path.join(w.tmp, "started-1")) &&
        (await remoteCommits(w.remoteDir, branch).catch(() => [])).length === 1,
    );
    child.kill("SIGKILL");
    await new Promise((r) => child!.once("exit", r));
    // The dead worker's agent lives in its own process group: end it too (its pid, not by name).
    const agentPid = Number(fs.readFileSync(path.join(w.tmp, "pid-1"), "utf8"));
    try {
      process.kill(-agentPid, "SIGKILL");
    } catch {
      // already gone
    }
    fs.writeFileSync(path.join(w.tmp, "gate"), "");
    expect((await getRun(store, runId))?.state).toBe("running");

    // A second worker on the same data dir picks the stalled job up once the dead one's lock expires.
    second = await startWorker({
      env: { MAESTRO_DATA_DIR: w.dataDir, MAESTRO_CONCURRENCY: "1" },
      connection: (connection = store.redis.duplicate()),
      prefix: store.prefix,
      lockDurationMs: 2000,
      stalledIntervalMs: 500,
      deps: workerDeps(w, store, { privateKey, Octokit: testOctokit() }),
      closeGraceMs: 10_000,
    });
    const run = await waitFor("the run to finish", async () => {
      const r = await getRun(store, runId);
      return r && r.state !== "running" && r.state !== "queued" ? r : null;
    });

    expect(run.state).toBe("succeeded");
    const commits = await remoteCommits(w.remoteDir, branch);
    expect(commits.map((c) => c.task)).toEqual(["0", "1", "2"]);
    expect(new Set(commits.map((c) => c.task)).size).toBe(commits.length);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]).toMatchObject({ head: branch, draft: true });
    const comments = gh.gh.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("succeeded");
    expect(comments[0]!.body).toContain(run.prUrl!);
    // Both workers really worked: the child's requests came through the proxy before the kill.
    expect(
      gh.gh.requests.filter((r) => r.route === "POST /app/installations/{installation_id}/access_tokens")
        .length,
    ).toBeGreaterThanOrEqual(2);
    // The run log continued across the two workers: one run.started per attempt, one line sequence.
    const log = fs
      .readFileSync(path.join(w.dataDir, "runs", `${runId}.jsonl`), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i));
    expect(log.filter((e) => e.type === "run.started")).toHaveLength(2);
  }, 150_000);
  it("a worker closed past its grace stops its agent and hands the run over instead of ending it", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(
      `if [ "$MAESTRO_TASK_INDEX" = "1" ] && [ ! -f "$HOME/gate" ]; then echo $$ > "$HOME/pid-1"; touch "$HOME/started-1"; while [ ! -f "$HOME/gate" ]; do sleep 0.1; done; fi; ` +
        `echo "task $MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"`,
    );
    const w = world;
    const runId = "rworkergrace001";
    gh.gh.state.comments.push({
      id: 901,
      issueNumber: 7,
      body: `${statusMarker(runId)}\nqueued`,
      user: "maestro-test[bot]",
    });
    const data = jobData(runId, { statusCommentId: 901 });
    await recordQueued(store, data);
    await enqueueRun(queue, data, { deliveryId: `d-${runId}` });
    const deps = workerDeps(w, store, { privateKey, Octokit: testOctokit() });
    first = await startWorker({
      env: { MAESTRO_DATA_DIR: w.dataDir, MAESTRO_CONCURRENCY: "1" },
      connection: (firstConnection = store.redis.duplicate()),
      prefix: store.prefix,
      lockDurationMs: 2000,
      stalledIntervalMs: 500,
      deps,
      closeGraceMs: 300,
    });
    const branch = "maestro/7-three-rworkerg";
    await waitFor(
      "task 2 to start",
      async () =>
        fs.existsSync(path.join(w.tmp, "started-1")) &&
        (await remoteCommits(w.remoteDir, branch).catch(() => [])).length === 1,
    );
    const agentPid = Number(fs.readFileSync(path.join(w.tmp, "pid-1"), "utf8"));
    await first.close();
    first = undefined;
    // The agent's process group is gone, and the run was not ended: no cancelled state or comment.
    expect(() => process.kill(agentPid, 0)).toThrow();
    expect((await getRun(store, runId))?.state).toBe("running");
    expect(gh.gh.commentsOn(7)[0]!.body).not.toMatch(/cancelled|failed/);
    expect(gh.pulls).toHaveLength(0);

    fs.writeFileSync(path.join(w.tmp, "gate"), "");
    second = await startWorker({
      env: { MAESTRO_DATA_DIR: w.dataDir, MAESTRO_CONCURRENCY: "1" },
      connection: (connection = store.redis.duplicate()),
      prefix: store.prefix,
      lockDurationMs: 2000,
      stalledIntervalMs: 500,
      deps,
      closeGraceMs: 10_000,
    });
    const run = await waitFor("the run to finish", async () => {
      const r = await getRun(store, runId);
      return r && r.state !== "running" && r.state !== "queued" ? r : null;
    });
    expect(run.state).toBe("succeeded");
    expect((await remoteCommits(w.remoteDir, branch)).map((c) => c.task)).toEqual(["0", "1", "2"]);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.gh.commentsOn(7)).toHaveLength(1);
  }, 150_000);
});
