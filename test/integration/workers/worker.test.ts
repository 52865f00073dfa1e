// The worker end to end: real Redis (unique prefix), real git (a local bare repo plays GitHub's git
// remote), the real `command` agent in child processes, GitHub's API stood in by nock with every
// request checked against @octokit/openapi.
import { agentPolicyFromEnv } from "../../../src/config/agent-policy.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { enqueueRun, type RunQueue } from "../../../src/queue/enqueue.js";
import type { RunJobData } from "../../../src/queue/job-schema.js";
import { createRunQueue } from "../../../src/queue/run-queue.js";
import { requestCancel } from "../../../src/queue/cancel.js";
import { getRun } from "../../../src/queue/runs-index.js";
import { spentToday, activeRunCount } from "../../../src/queue/budget.js";
import { keys } from "../../../src/queue/keys.js";
import { startWorker, type RunningWorker } from "../../../src/workers/worker.js";
import type { WorkerDeps } from "../../../src/workers/deps.js";
import { generateAppPrivateKey, testOctokit } from "../../helpers/github-api.js";
import { testStore } from "../../helpers/redis.js";
import { mockWorkerGitHub, type WorkerGitHub } from "../../helpers/worker-github.js";
import {
  FAKE_TOKEN,
  OWNER,
  REPO,
  jobData,
  makeWorld,
  recordQueued,
  remoteBranches,
  remoteCommits,
  workerDeps,
  type WorkerWorld,
} from "../../helpers/worker-fixture.js";
import { statusMarker } from "../../../src/github/status-comment.js";
import { addCost, utcDay } from "../../../src/queue/budget.js";
import { repoKey } from "../../../src/queue/keys.js";
import { runLogPath } from "../../../src/runlog/paths.js";
import { gitIn } from "../../helpers/git-repo.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const ROOT = path.resolve(import.meta.dirname, "../../..");

function runLogProblems(dataDir: string, runId: string): string[] {
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas/run-log.schema.json"), "utf8"));
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  const lines = fs.readFileSync(runLogPath(dataDir, runId), "utf8").trim().split("\n");
  return lines.flatMap((l) => (validate(JSON.parse(l)) ? [] : [`${l}: ${ajv.errorsText(validate.errors)}`]));
}

function runEvents(dataDir: string, runId: string): Array<{ type: string }> {
  return fs
    .readFileSync(runLogPath(dataDir, runId), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string });
}

const store = testStore("worker");
const privateKey = generateAppPrivateKey();
let queue: RunQueue;
let gh: WorkerGitHub;
let world: WorkerWorld | undefined;
let running: RunningWorker | undefined;
let connection: ReturnType<typeof store.redis.duplicate> | undefined;

// Writes a file per task, reports usage, dumps its environment; task `$GATE_TASK` waits for a gate file.
function agentCommand(opts: { gateTask?: number } = {}): string {
  const gate =
    opts.gateTask === undefined
      ? ""
      : `if [ "$MAESTRO_TASK_INDEX" = "${opts.gateTask}" ]; then echo $$ > "$HOME/pid-$MAESTRO_TASK_INDEX"; touch "$HOME/started-$MAESTRO_TASK_INDEX"; while [ ! -f "$HOME/gate" ]; do sleep 0.1; done; fi; `;
  return (
    `env > "$HOME/agent-env-$MAESTRO_TASK_INDEX.txt"; ${gate}` +
    `echo "task $MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"; ` +
    `echo '{"type":"usage","inputTokens":100,"outputTokens":50,"costUsd":0.25}'`
  );
}

beforeAll(() => {
  queue = createRunQueue(store.redis, store.prefix);
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
  await queue.close();
  await store.close();
});

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function start(w: WorkerWorld, over: Partial<WorkerDeps> = {}): Promise<RunningWorker> {
  running = await startWorker({
    env: { MAESTRO_DATA_DIR: w.dataDir, MAESTRO_CONCURRENCY: "2" },
    connection: (connection = store.redis.duplicate()),
    prefix: store.prefix,
    deps: workerDeps(w, store, { privateKey, Octokit: testOctokit() }, over),
    closeGraceMs: 10_000,
  });
  return running;
}

async function enqueue(data: RunJobData): Promise<void> {
  await recordQueued(store, data);
  await enqueueRun(queue, data, { deliveryId: `d-${data.runId}` });
}

function queuedComment(runId: string, issueNumber = 7): number {
  const id = 500 + gh.gh.state.comments.length;
  gh.gh.state.comments.push({
    id,
    issueNumber,
    body: `${statusMarker(runId)}\nqueued`,
    user: "maestro-test[bot]",
  });
  return id;
}

const finalStates = new Set(["succeeded", "failed", "cancelled", "budget_exceeded", "timeout"]);
const finished = (runId: string) =>
  waitFor(`run ${runId} to finish`, async () => {
    const r = await getRun(store, runId);
    return r && finalStates.has(r.state) ? r : null;
  });

describe("worker", () => {
  it("turns a 3-task job into 3 pushed commits, one draft PR and one status comment edited in place", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand());
    const runId = "rworker3tasks01";
    const commentId = queuedComment(runId);
    const data = jobData(runId, {
      statusCommentId: commentId,
      trigger: { kind: "comment", actor: "octocat", commentId: 9001 },
    });
    const spentBefore = await spentToday(store, data.repo);
    await start(world);
    await enqueue(data);
    const run = await finished(runId);

    expect(run.state).toBe("succeeded");
    const branch = "maestro/7-three-rworker3";
    expect(await remoteBranches(world.remoteDir)).toEqual(expect.arrayContaining(["main", branch]));
    const commits = await remoteCommits(world.remoteDir, branch);
    expect(commits.map((c) => c.task)).toEqual(["0", "1", "2"]);
    expect(commits.every((c) => c.run === runId)).toBe(true);
    expect(commits[0]!.author).toBe("maestro-test[bot] <99+maestro-test[bot]@users.noreply.github.com>");
    expect(commits[0]!.body).toContain("Co-authored-by: octocat <4242+octocat@users.noreply.github.com>");

    expect(gh.pulls).toHaveLength(1);
    const pr = gh.pulls[0]!;
    expect(pr).toMatchObject({ head: branch, base: "main", draft: true, state: "open" });
    expect(pr.body).toContain("3/3 tasks done");
    expect(pr.body).toContain("Create file two");
    expect(run.prUrl).toBe(`https://github.com/${OWNER}/${REPO}/pull/1`);
    expect(pr.body).toContain("Refs #7");
    expect(pr.body).toMatch(/\| 2 \| Create file two \| ✅ done \| \$0\.25 \|/);
    // The requester is asked to review; the check run sits on the head commit with the summary.
    expect(gh.reviewRequests).toEqual(["#1:octocat"]);
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]).toMatchObject({
      name: "Maestro",
      head_sha: commits[2]!.sha,
      external_id: runId,
      status: "completed",
      conclusion: "success",
    });
    expect(gh.checkRuns[0]!.output?.summary).toContain("Create file three");
    // 🚀 on the triggering comment.
    expect(gh.gh.state.reactions).toContainEqual(expect.objectContaining({ content: "rocket" }));
    expect(runLogProblems(world.dataDir, runId)).toEqual([]);

    // One comment, the handler's, edited from queued to finished; it links the PR.
    const comments = gh.gh.commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(commentId);
    expect(comments[0]!.body).toContain("succeeded");
    expect(comments[0]!.body).toContain(run.prUrl!);
    expect(gh.gh.calls()).not.toContain("POST /repos/{owner}/{repo}/issues/{issue_number}/comments");
    const edits = gh.gh
      .calls()
      .filter((c) => c === "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}");
    expect(edits.length).toBeGreaterThanOrEqual(2);

    expect((await spentToday(store, data.repo)) - spentBefore).toBeCloseTo(0.75, 6);
    expect(await activeRunCount(store, data.repo, 3600_000)).toBe(0);
    const job = await queue.getJob(runId);
    expect(job?.returnvalue).toMatchObject({
      status: "succeeded",
      tasksDone: 3,
      tasksTotal: 3,
      prUrl: run.prUrl,
    });
    expect(gh.labelsRemoved).toEqual([]);
  });

  it("cancel mid-run: the agent is stopped, what was committed is pushed, the run and its comment say cancelled", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand({ gateTask: 1 }));
    const runId = "rworkercancel01";
    const data = jobData(runId, {
      statusCommentId: queuedComment(runId),
      trigger: { kind: "label", actor: "octocat" },
    });
    const spentBefore = await spentToday(store, data.repo);
    await start(world);
    await enqueue(data);
    const started = path.join(world.tmp, "started-1");
    await waitFor("task 2 to start", async () => fs.existsSync(started));
    const pid = Number(fs.readFileSync(path.join(world.tmp, "pid-1"), "utf8"));
    await requestCancel(store, runId, { queue });
    const run = await finished(runId);

    expect(run.state).toBe("cancelled");
    expect(() => process.kill(pid, 0)).toThrow();
    const branch = "maestro/7-three-rworkerc";
    expect((await remoteCommits(world.remoteDir, branch)).map((c) => c.task)).toEqual(["0"]);
    const [comment] = gh.gh.commentsOn(7);
    expect(comment!.body).toContain("cancelled");
    expect(comment!.body).toContain(`/maestro retry ${runId}`);
    expect(gh.pulls).toHaveLength(1);
    // A label-triggered run gives the label back, so adding it again re-runs.
    expect(gh.labelsRemoved).toEqual(["#7:maestro:three"]);
    expect((await spentToday(store, data.repo)) - spentBefore).toBeCloseTo(0.25, 6);
  });

  it("cancel before start: nothing runs, the comment says so", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand());
    const runId = "rworkercancel02";
    const data = jobData(runId, { statusCommentId: queuedComment(runId) });
    await enqueue(data);
    // Requested while queued, but the job stays (as if a worker had already locked it).
    await store.redis.set(keys.cancel(store.prefix, runId), "1");
    await start(world);
    const run = await finished(runId);
    expect(run.state).toBe("cancelled");
    expect(await remoteBranches(world.remoteDir)).toEqual(["main"]);
    expect(gh.gh.commentsOn(7)[0]!.body).toContain("Cancelled before it started");
    expect(fs.existsSync(path.join(world.tmp, "agent-env-0.txt"))).toBe(false);
    expect(gh.pulls).toHaveLength(0);
  });

  it("a 502 on PR creation (after GitHub stored it) gives one PR, not two", async () => {
    gh = mockWorkerGitHub({
      owner: OWNER,
      repo: REPO,
      state: {
        failures: [{ route: "POST /repos/{owner}/{repo}/pulls", status: 502, times: 1, after: true }],
      },
    });
    world = await makeWorld(agentCommand());
    const runId = "rworker502pr001";
    await start(world);
    await enqueue(jobData(runId, { statusCommentId: queuedComment(runId) }));
    const run = await finished(runId);
    expect(run.state).toBe("succeeded");
    expect(gh.pulls).toHaveLength(1);
    expect(gh.gh.calls().filter((c) => c === "POST /repos/{owner}/{repo}/pulls")).toHaveLength(1);
    expect(run.prUrl).toBe(`https://github.com/${OWNER}/${REPO}/pull/1`);
    expect(gh.gh.commentsOn(7)).toHaveLength(1);
  });

  it("token audit: the installation token is nowhere in the mirror's config, the run log, the job data or the agent's env", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand());
    const runId = "rworkertoken01";
    await start(world);
    await enqueue(jobData(runId, { statusCommentId: queuedComment(runId) }));
    expect((await finished(runId)).state).toBe("succeeded");
    // The worker did ask GitHub for a token (so there was one to leak).
    expect(
      gh.gh.requests.some((r) => r.route === "POST /app/installations/{installation_id}/access_tokens"),
    ).toBe(true);

    const sightings: string[] = [];
    const basic = Buffer.from(`x-access-token:${FAKE_TOKEN}`).toString("base64");
    const check = (where: string, text: string) => {
      if (text.includes(FAKE_TOKEN) || text.includes(basic)) sightings.push(where);
    };
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (
          e.isFile() &&
          (e.name === "config" || e.name.endsWith(".jsonl") || e.name.startsWith("agent-env"))
        )
          check(p, fs.readFileSync(p, "utf8"));
      }
    };
    walk(world.tmp);
    const mirrorConfig = path.join(world.dataDir, "mirrors", OWNER, `${REPO}.git`, "config");
    expect(fs.existsSync(mirrorConfig)).toBe(true);
    const logFile = path.join(world.dataDir, "runs", `${runId}.jsonl`);
    expect(fs.readFileSync(logFile, "utf8")).toContain('"type":"run.finished"');
    const envDumps = fs.readdirSync(world.tmp).filter((f) => f.startsWith("agent-env"));
    expect(envDumps).toHaveLength(3);
    const job = await queue.getJob(runId);
    check("job data", JSON.stringify(job?.data));
    check("job return value", JSON.stringify(job?.returnvalue));
    const hash = await store.redis.hgetall(keys.run(store.prefix, runId));
    check("run record", JSON.stringify(hash));
    expect(sightings).toEqual([]);
  });
});

describe("worker: repo limits, preflight, run log on the branch", () => {
  it("runLog.commitToBranch: the JSONL log is committed on the run branch after the task commits", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand(), "runLog:\n  commitToBranch: true\n");
    const runId = "rworkerlogcommit";
    await start(world);
    await enqueue(jobData(runId, { statusCommentId: queuedComment(runId) }));
    expect((await finished(runId)).state).toBe("succeeded");
    const branch = "maestro/7-three-rworkerl";
    const log = await gitIn(world.remoteDir, "log", "--format=%s", branch, "-4");
    expect(log.trim().split("\n")).toEqual([
      `Maestro run log ${runId}`,
      expect.stringContaining("Create file three"),
      expect.stringContaining("Create file two"),
      expect.stringContaining("Create file one"),
    ]);
    const committed = await gitIn(world.remoteDir, "show", `${branch}:.maestro/runs/${runId}.jsonl`);
    expect(
      committed
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).type),
    ).toContain("run.finished");
    expect(`${committed}\n`).toBe(fs.readFileSync(runLogPath(world.dataDir, runId), "utf8"));
    // The check run sits on the commit that carries the log (the branch head).
    const head = (await gitIn(world.remoteDir, "rev-parse", branch)).trim();
    expect(gh.checkRuns.map((c) => c.head_sha)).toEqual([head]);
  });

  it("over maxConcurrentRuns the second run waits (comment says so), then runs when the first ends", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand({ gateTask: 0 }), "");
    // makeWorld allows 100 runs; this repo allows one at a time.
    const cfg = path.join(world.tmp, "cfg");
    await gitIn(world.tmp, "clone", "--quiet", world.remoteDir, cfg);
    const yml = path.join(cfg, ".github/maestro.yml");
    fs.writeFileSync(
      yml,
      fs.readFileSync(yml, "utf8").replace("maxConcurrentRuns: 100", "maxConcurrentRuns: 1"),
    );
    await gitIn(
      cfg,
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.com",
      "commit",
      "-qam",
      "one at a time",
    );
    await gitIn(cfg, "push", "-q", "origin", "main");
    const first = "rworkerslotone";
    const second = "rworkerslottwo";
    const secondComment = queuedComment(second, 8);
    await start(world, { slotWaitMs: 200 });
    await enqueue(jobData(first, { statusCommentId: queuedComment(first) }));
    await waitFor("first run's agent", async () => fs.existsSync(path.join(world!.tmp, "started-0")));
    await enqueue(jobData(second, { issueNumber: 8, statusCommentId: secondComment }));
    await waitFor("the waiting comment", async () =>
      gh.gh.state.comments.find((c) => c.id === secondComment)?.body.includes("waits for a free slot"),
    );
    expect((await getRun(store, second))?.state).toBe("queued");
    expect(await remoteBranches(world.remoteDir)).not.toContain("maestro/8-three-rworkers");
    fs.writeFileSync(path.join(world.tmp, "gate"), "");
    expect((await finished(first)).state).toBe("succeeded");
    expect((await finished(second)).state).toBe("succeeded");
    expect(gh.pulls).toHaveLength(2);
    expect(await activeRunCount(store, jobData(first).repo, 3600_000)).toBe(0);
  });

  it("the repo's daily budget used up by the time the run starts: no agent runs, the comment says why", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand(), "");
    const runId = "rworkerbudget01";
    const commentId = queuedComment(runId);
    const repo = jobData(runId).repo;
    const ledger = keys.cost(store.prefix, repoKey(repo), utcDay(new Date()));
    const before = await store.redis.get(ledger);
    await addCost(store, repo, 1000);
    await start(world);
    await enqueue(jobData(runId, { statusCommentId: commentId }));
    try {
      expect((await finished(runId)).state).toBe("budget_exceeded");
    } finally {
      // The other tests of this file spend on the same repo.
      await store.redis.set(ledger, before ?? "0");
    }
    expect(gh.gh.state.comments.find((c) => c.id === commentId)?.body).toContain("daily budget");
    expect(fs.existsSync(path.join(world.tmp, "agent-env-0.txt"))).toBe(false);
    expect(await remoteBranches(world.remoteDir)).toEqual(["main"]);
    expect(gh.pulls).toEqual([]);
  });

  it("preflight: a missing agent binary and too little disk fail the run with a comment that says what to fix", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand(), "");
    const runId = "rworkerpreflight";
    const commentId = queuedComment(runId);
    await start(world, {
      minFreeDiskMb: 1024 * 1024 * 1024,
      agentEnv: { PATH: "/usr/bin:/bin", HOME: world.tmp, MAESTRO_CLAUDE_CODE_BIN: "/nonexistent/claude" },
    });
    await enqueue(jobData(runId, { agent: "claude-code", statusCommentId: commentId }));
    expect((await finished(runId)).state).toBe("failed");
    const body = gh.gh.state.comments.find((c) => c.id === commentId)!.body;
    expect(body).toContain("/nonexistent/claude");
    expect(body).toContain("MAESTRO_CLAUDE_CODE_BIN");
    expect(body).toContain("MAESTRO_MIN_FREE_DISK_MB");
    expect(body).toContain(`/maestro retry ${runId}`);
    expect(await remoteBranches(world.remoteDir)).toEqual(["main"]);
    // Refused, not retried: one attempt.
    expect((await queue.getJob(runId))?.attemptsMade).toBeLessThanOrEqual(1);
  });

  it("an issue's own checklist: its front matter is never obeyed (no verify, no caps), only its tasks run", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand(), "");
    const runId = "rworkerissuefm";
    const marker = path.join(world.tmp, "issue-verify-ran");
    const source = `---\nverify: touch ${marker}\nmaxCostUsd: 0.000001\ntaskTimeoutMinutes: 0.001\n---\nPlease.\n\n- [ ] Create file one\n`;
    await start(world);
    await enqueue(
      jobData(runId, {
        playbook: { name: "issue", origin: "issue", source },
        statusCommentId: queuedComment(runId),
      }),
    );
    expect((await finished(runId)).state).toBe("succeeded");
    expect(fs.existsSync(marker)).toBe(false);
    const types = runEvents(world.dataDir, runId).map((e) => e.type);
    expect(types).not.toContain("task.verify");
    expect(types.filter((t) => t === "task.committed")).toHaveLength(1);
  });

  it("operator policy: a repository's own agentCommand is refused with a reply that says why and how to allow it", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand(), "");
    const runId = "rworkerpolicy";
    const commentId = queuedComment(runId);
    await start(world, { agentPolicy: agentPolicyFromEnv({}) });
    await enqueue(jobData(runId, { statusCommentId: commentId }));
    expect((await finished(runId)).state).toBe("failed");
    const body = gh.gh.state.comments.find((c) => c.id === commentId)!.body;
    expect(body).toContain("does not run commands chosen by a repository");
    expect(body).toContain("MAESTRO_REPO_AGENT_COMMAND=allow");
    expect(await remoteBranches(world.remoteDir)).toEqual(["main"]);
    expect((await queue.getJob(runId))?.attemptsMade).toBeLessThanOrEqual(1);
  });

  it("a sandbox that cannot start refuses every run with what is missing", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand(), "");
    const runId = "rworkernosandbox";
    const commentId = queuedComment(runId);
    await start(world, { sandboxProblem: "bubblewrap (bwrap) is not on PATH: install it" });
    await enqueue(jobData(runId, { statusCommentId: commentId }));
    expect((await finished(runId)).state).toBe("failed");
    const body = gh.gh.state.comments.find((c) => c.id === commentId)!.body;
    expect(body).toContain("The sandbox that agents and verify commands run in cannot start");
    expect(body).toContain("bubblewrap (bwrap) is not on PATH");
    expect(await remoteBranches(world.remoteDir)).toEqual(["main"]);
  });

  it("a push GitHub refuses (protected branch rule): the run fails at once with git's reason, no retries", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    world = await makeWorld(agentCommand(), "");
    // GitHub's own refusal text, from a pre-receive hook on the stand-in remote.
    const hook = path.join(world.remoteDir, "hooks/pre-receive");
    fs.writeFileSync(
      hook,
      '#!/bin/sh\necho "error: GH006: Protected branch update failed for refs/heads/maestro." >&2\nexit 1\n',
    );
    fs.chmodSync(hook, 0o755);
    const runId = "rworkerprotected";
    const commentId = queuedComment(runId);
    await start(world);
    await enqueue(jobData(runId, { statusCommentId: commentId }));
    expect((await finished(runId)).state).toBe("failed");
    const body = gh.gh.state.comments.find((c) => c.id === commentId)!.body;
    expect(body).toContain("GH006: Protected branch update failed");
    expect(body).toContain("branchPrefix");
    expect((await queue.getJob(runId))?.attemptsMade).toBeLessThanOrEqual(1);
    expect(await remoteBranches(world.remoteDir)).toEqual(["main"]);
    expect(gh.pulls).toEqual([]);
  });

  it("a review follow-up answers each review comment with what became of it", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    const failSecond =
      'if [ "$MAESTRO_TASK_INDEX" = "1" ]; then echo "cannot do that"; exit 3; fi; echo done > "f-$MAESTRO_TASK_INDEX.txt"';
    world = await makeWorld(failSecond, "");
    const branch = "maestro/5-fix-issue-rprevious";
    await gitIn(world.remoteDir, "branch", branch, "main");
    gh.pulls.push({
      number: 5,
      head: branch,
      base: "main",
      title: "t",
      body: "",
      draft: true,
      state: "open",
    });
    const runId = "rworkerreview01";
    await start(world);
    await enqueue(
      jobData(runId, {
        issueNumber: 5,
        isPullRequest: true,
        prNumber: 5,
        headRef: branch,
        baseRef: "main",
        trigger: { kind: "review", actor: "octocat" },
        playbook: {
          name: "address-review",
          origin: "builtin",
          source:
            "# Review\n\n- [ ] Address review comment 1 (on `a.ts`)\n- [ ] Address review comment 2 (on `b.ts`)\n- [ ] Run the tests\n",
        },
        reviewComments: [
          { id: 71, path: "a.ts", task: 0 },
          { id: 72, path: "b.ts", task: 1 },
          { id: 73, path: "c.ts" },
        ],
      }),
    );
    expect((await finished(runId)).state).toBe("failed");
    const [first] = await remoteCommits(world.remoteDir, branch);
    expect(gh.reviewReplies.map((r) => [r.pull, r.commentId])).toEqual([
      [5, 71],
      [5, 72],
      [5, 73],
    ]);
    const [done, failed, general] = gh.reviewReplies.map((r) => r.body);
    expect(done).toContain(`Done in ${first!.sha.slice(0, 7)}`);
    expect(failed).toMatch(/Not done: task 2 of Maestro run `rworkerreview01` failed/);
    expect(general).toContain("1/3 tasks done (failed)");
  });

  it("a task's checkpoint push runs while the next task's agent works, and every push lands in order", async () => {
    gh = mockWorkerGitHub({ owner: OWNER, repo: REPO });
    // Each task's agent marks its start in $HOME (the world's tmp dir).
    const w = (world = await makeWorld(
      `touch "$HOME/started-$MAESTRO_TASK_INDEX"; echo "task $MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"`,
      "",
    ));
    // The remote holds task 0's push until task 1's agent has started: a worker that pushed before
    // starting the next agent would never get there (the hook gives up after 20 s and refuses).
    const started1 = path.join(w.tmp, "started-1");
    const hook = path.join(w.remoteDir, "hooks/pre-receive");
    fs.writeFileSync(
      hook,
      `#!/bin/sh\nn=0\nwhile [ ! -f "${started1}" ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n+1)); done\n` +
        `[ -f "${started1}" ] || { echo "error: no overlap" >&2; exit 1; }\n`,
    );
    fs.chmodSync(hook, 0o755);
    const runId = "rworkeroverlap1";
    await start(w);
    await enqueue(jobData(runId, { statusCommentId: queuedComment(runId) }));
    expect((await finished(runId)).state).toBe("succeeded");
    const commits = await remoteCommits(w.remoteDir, "maestro/7-three-rworkero");
    expect(commits.map((c) => c.task)).toEqual(["0", "1", "2"]);
    expect(gh.pulls).toHaveLength(1);
  });
});
