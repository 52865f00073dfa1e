// Retries: an infrastructure error (GitHub 5xx) makes BullMQ try again and the run resumes; a
// `/maestro retry` (resumeOf) continues the first run's branch; a bad job fails without retry.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { QueueEvents, UnrecoverableError } from "bullmq";
import type { Job } from "bullmq";
import { statusMarker } from "../../../src/github/status-comment.js";
import type { RunJobData } from "../../../src/queue/job-schema.js";
import { QUEUE_NAME, RUN_JOB_NAME } from "../../../src/queue/names.js";
import { createRunQueue } from "../../../src/queue/run-queue.js";
import type { RunQueue } from "../../../src/queue/enqueue.js";
import { getRun } from "../../../src/queue/runs-index.js";
import { createRunProcessor } from "../../../src/workers/processor.js";
import { startWorker, type RunningWorker } from "../../../src/workers/worker.js";
import { generateAppPrivateKey, testOctokit } from "../../helpers/github-api.js";
import { testStore } from "../../helpers/redis.js";
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

const store = testStore("worker-resume");
const privateKey = generateAppPrivateKey();
let queue: RunQueue;
let events: QueueEvents;
let eventsConnection: ReturnType<typeof store.redis.duplicate>;
let gh: WorkerGitHub;
let world: WorkerWorld | undefined;
let running: RunningWorker | undefined;
let connection: ReturnType<typeof store.redis.duplicate> | undefined;

beforeAll(async () => {
  queue = createRunQueue(store.redis, store.prefix);
  events = new QueueEvents(QUEUE_NAME, {
    connection: (eventsConnection = store.redis.duplicate()),
    prefix: store.prefix,
  });
  await events.waitUntilReady();
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  await connection?.quit();
  connection = undefined;
  const problems = gh.gh.problems();
  gh.gh.done();
  await world?.cleanup();
  world = undefined;
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await events.close();
  await eventsConnection.quit();
  await queue.close();
  await store.close();
});

async function start(w: WorkerWorld): Promise<void> {
  running = await startWorker({
    env: { MAESTRO_DATA_DIR: w.dataDir, MAESTRO_CONCURRENCY: "1" },
    connection: (connection = store.redis.duplicate()),
    prefix: store.prefix,
    deps: workerDeps(w, store, { privateKey, Octokit: testOctokit() }),
    closeGraceMs: 10_000,
  });
}

function comment(runId: string): number {
  const id = 700 + gh.gh.state.comments.length;
  gh.gh.state.comments.push({
    id,
    issueNumber: 7,
    body: `${statusMarker(runId)}\nqueued`,
    user: "maestro-test[bot]",
  });
  return id;
}

async function add(data: RunJobData, attempts: number): Promise<Job> {
  await recordQueued(store, data);
  return queue.add(RUN_JOB_NAME, data, {
    jobId: data.runId,
    attempts,
    backoff: { type: "fixed", delay: 50 },
  });
}

const WRITE = `echo "task $MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"`;

describe("worker retries", () => {
  it("a GitHub 502 is an infrastructure error: BullMQ retries the job and the run completes once", async () => {
    gh = mockWorkerGitHub({
      owner: OWNER,
      repo: REPO,
      state: { failures: [{ route: "GET /repos/{owner}/{repo}", status: 502, times: 1 }] },
    });
    world = await makeWorld(WRITE);
    await start(world);
    const runId = "rworkerretry001";
    const job = await add(jobData(runId, { statusCommentId: comment(runId) }), 3);
    const result = (await job.waitUntilFinished(events, 60_000)) as { status: string };
    expect(result.status).toBe("succeeded");
    const done = await queue.getJob(runId);
    expect(done?.attemptsMade).toBe(2);
    expect((await getRun(store, runId))?.state).toBe("succeeded");
    expect((await remoteCommits(world.remoteDir, "maestro/7-three-rworkerr")).map((c) => c.task)).toEqual([
      "0",
      "1",
      "2",
    ]);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.gh.commentsOn(7)).toHaveLength(1);
  });

  it("a retry after the tasks were done: the PR and comment still show the whole run's tasks and cost", async () => {
    gh = mockWorkerGitHub({
      owner: OWNER,
      repo: REPO,
      // The PR cannot be made on the first attempt (all 3 of its tries fail); the job is retried.
      state: { failures: [{ route: "POST /repos/{owner}/{repo}/pulls", status: 502, times: 3 }] },
    });
    world = await makeWorld(
      `${WRITE}; echo '{"type":"usage","inputTokens":10,"outputTokens":5,"costUsd":0.25}'`,
    );
    await start(world);
    const runId = "rworkertotals01";
    const job = await add(jobData(runId, { statusCommentId: comment(runId) }), 3);
    expect(((await job.waitUntilFinished(events, 60_000)) as { status: string }).status).toBe("succeeded");
    expect((await queue.getJob(runId))?.attemptsMade).toBe(2);
    expect(gh.pulls).toHaveLength(1);
    for (const text of [gh.pulls[0]!.body, gh.gh.commentsOn(7)[0]!.body]) {
      expect(text).toContain("3/3 tasks done, cost $0.75, tokens 30 in / 15 out");
      expect(text).toMatch(/\| 1 \| Create file one \| ✅ done \| \$0\.25 \|/);
    }
    // Asked for review although the PR was found, not made, by the attempt that finished.
    expect(gh.reviewRequests).toEqual(["#1:octocat"]);
  });

  it("on the last attempt an infrastructure error ends the run as failed, with a comment that says why", async () => {
    gh = mockWorkerGitHub({
      owner: OWNER,
      repo: REPO,
      state: { failures: [{ route: "GET /repos/{owner}/{repo}", status: 502, times: 5 }] },
    });
    world = await makeWorld(WRITE);
    await start(world);
    const runId = "rworkerretry002";
    const job = await add(jobData(runId, { statusCommentId: comment(runId) }), 2);
    await expect(job.waitUntilFinished(events, 60_000)).rejects.toThrow();
    expect((await getRun(store, runId))?.state).toBe("failed");
    const [c] = gh.gh.commentsOn(7);
    expect(c!.body).toContain("failed");
    expect(c!.body).toContain("The run stopped on an error");
  });

  it("/maestro retry (resumeOf) continues the first run's branch: done tasks are skipped, one PR", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    // Task 1 fails while the file `fail` exists in the agent's HOME.
    world = await makeWorld(
      `if [ "$MAESTRO_TASK_INDEX" = "1" ] && [ -f "$HOME/fail" ]; then echo broken >&2; exit 3; fi; ${WRITE}`,
    );
    fs.writeFileSync(path.join(world.tmp, "fail"), "");
    await start(world);
    const first = jobData("rworkerfirst001", { statusCommentId: comment("rworkerfirst001") });
    const job1 = await add(first, 1);
    expect(((await job1.waitUntilFinished(events, 60_000)) as { status: string }).status).toBe("failed");
    const branch = "maestro/7-three-rworkerf";
    expect((await remoteCommits(world.remoteDir, branch)).map((c) => c.task)).toEqual(["0"]);
    expect(gh.pulls).toHaveLength(1);

    fs.rmSync(path.join(world.tmp, "fail"));
    const second = jobData("rworkerretry003", {
      statusCommentId: comment("rworkerretry003"),
      resumeOf: first.runId,
      trigger: { kind: "retry", actor: "octocat" },
    });
    const job2 = await add(second, 1);
    const r2 = (await job2.waitUntilFinished(events, 60_000)) as { status: string; branch: string };
    expect(r2).toMatchObject({ status: "succeeded", branch });
    const commits = await remoteCommits(world.remoteDir, branch);
    expect(commits.map((c) => c.task)).toEqual(["0", "1", "2"]);
    expect(commits.map((c) => c.run)).toEqual([first.runId, second.runId, second.runId]);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]!.body).toContain("3/3 tasks done");
    // Each run has its own status comment.
    expect(gh.gh.commentsOn(7).map((c) => c.body.includes("succeeded"))).toEqual([false, true]);
  });
});

describe("follow-ups on a Maestro PR", () => {
  it("`/maestro fix` runs on the PR's branch: its task 0 is not mistaken for the first run's task 0", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(WRITE);
    await start(world);
    const first = jobData("rworkerpr00001", { statusCommentId: comment("rworkerpr00001") });
    const job1 = await add(first, 1);
    expect(((await job1.waitUntilFinished(events, 60_000)) as { status: string }).status).toBe("succeeded");
    const branch = "maestro/7-three-rworkerp";
    expect(gh.pulls).toHaveLength(1);

    const fix = jobData("rworkerfix0001", {
      issueNumber: 1,
      isPullRequest: true,
      prNumber: 1,
      headRef: branch,
      baseRef: "main",
      playbook: {
        name: "fix",
        origin: "issue",
        source: "# Fix requested on pull request #1\n\n- [ ] Rename the files\n",
      },
      statusCommentId: undefined,
    });
    const job2 = await add(fix, 1);
    const r2 = (await job2.waitUntilFinished(events, 60_000)) as {
      status: string;
      branch: string;
      prUrl: string;
    };
    expect(r2).toMatchObject({
      status: "succeeded",
      branch,
      prUrl: `https://github.com/${OWNER}/${REPO}/pull/1`,
    });
    const commits = await remoteCommits(world.remoteDir, branch);
    expect(commits.map((c) => `${c.run}:${c.task}`)).toEqual([
      `${first.runId}:0`,
      `${first.runId}:1`,
      `${first.runId}:2`,
      `${fix.runId}:0`,
    ]);
    // Still one PR; the follow-up's status comment went to the PR conversation.
    expect(gh.pulls).toHaveLength(1);
    expect(gh.gh.commentsOn(1)).toHaveLength(1);
    expect(gh.gh.commentsOn(1)[0]!.body).toContain("succeeded");
  });
});

describe("run processor", () => {
  it("refuses invalid job data without retrying, and without touching GitHub", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(WRITE);
    const processor = createRunProcessor(workerDeps(world, store, { privateKey, Octokit: testOctokit() }));
    try {
      const bad = { ...jobData("rworkerbad0001"), token: "ghs_smuggled" };
      const fakeJob = { data: bad, attemptsMade: 0, opts: { attempts: 3 } } as unknown as Job;
      const err = await processor(fakeJob).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect((err as Error).message).toContain("unknown key(s) token");
      expect(gh.gh.requests).toHaveLength(0);
    } finally {
      await processor.close();
    }
  });
});
