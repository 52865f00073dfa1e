// Issue 5 §3, drill: Redis restarted mid-run. This test runs its own redis-server (append-only file,
// no snapshots, as a production Redis that must keep its queue), never the shared one on 6379.
// Mid-task, the Redis process is SIGKILLed: no shutdown, no final save. With appendonly every write
// Redis acknowledged was already written to the append-only file before the reply, so a process crash
// loses nothing acknowledged (only a power cut could lose the last second under appendfsync
// everysec); SHUTDOWN NOSAVE would be the gentler, less telling case. Redis is restarted on the same
// port and dir, reloads the file, and the run must still end with its commits, PR and final comment.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import type { RunQueue } from "../../src/queue/enqueue.js";
import { createRunQueue } from "../../src/queue/run-queue.js";
import { listIssueRuns } from "../../src/queue/runs-index.js";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";
import {
  drillConfig,
  isAlive,
  readPid,
  startPrivateRedis,
  until,
  type PrivateRedis,
} from "../support/e2e-drills.js";

let world: E2EWorld;
let tmp: string;
let redisServer: PrivateRedis;
let redis: Redis;
let queue: RunQueue;

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-drill-redis-")));
  fs.mkdirSync(path.join(tmp, "redis"));
  fs.mkdirSync(path.join(tmp, "agent"));
  redisServer = await startPrivateRedis(path.join(tmp, "redis"));
  // The drill agent keeps host pid files in a state dir: the no-sandbox path (see drill-run.test.ts).
  world = await startE2EWorld({
    env: { REDIS_URL: redisServer.url, MAESTRO_CONCURRENCY: "1", MAESTRO_SANDBOX: "off" },
  });
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on("error", () => undefined);
  queue = createRunQueue(redis, world.prefix);
}, 60_000);

afterAll(async () => {
  await world?.close();
  await queue?.close().catch(() => undefined);
  redis?.disconnect();
  await redisServer?.kill();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

/** The job's final state and return value, once it has settled. */
function settled(runId: string) {
  return until(
    `job ${runId} to settle`,
    async () => {
      const state = await (await queue.getJob(runId))?.getState();
      if (state !== "completed" && state !== "failed") return null;
      // Read again: a job read before its state was checked may predate its return value.
      return { state, result: (await queue.getJob(runId))?.returnvalue as unknown };
    },
    120_000,
  );
}

describe("drill: Redis restarted mid-run", () => {
  it("Redis SIGKILLed mid-task and restarted: the running run and a queued one both end with their PRs (0 runs lost)", async () => {
    const stateDir = path.join(tmp, "agent");
    const repo = await world.makeRepo("drill-redis", {
      config: drillConfig(stateDir),
      playbooks: {
        three: "# Three\n\n- [ ] Write `a.md`\n- [ ] Write `b.md` after a sleep 1500\n- [ ] Write `c.md`\n",
        one: "# One\n\n- [ ] Write `one.md`\n",
      },
    });
    const first = world.gh.createIssue(repo, { title: "Outlive Redis", user: "alice" });
    const second = world.gh.createIssue(repo, { title: "Wait through it", user: "alice" });
    const { runId } = await world.comment(repo, first.number, "/maestro run three");
    const agentPid = await world.waitFor("task 2's agent", () =>
      readPid(path.join(stateDir, `${runId}-1.pid`)),
    );
    // A second run, queued behind the first (one run at a time in this serve): it exists only in Redis.
    const queued = await world.comment(repo, second.number, "/maestro run one");
    expect(await (await queue.getJob(queued.runId))?.getState()).toBe("waiting");

    const oldPid = redisServer.pid();
    await redisServer.kill();
    expect(isAlive(oldPid)).toBe(false);
    // Down while the agent works and past its end: the task's progress, the next task and the
    // run's bookkeeping meet a dead Redis and must wait for it, not fail.
    await new Promise((r) => setTimeout(r, 4000));
    await redisServer.start();
    expect(redisServer.pid()).not.toBe(oldPid);

    expect(await settled(runId)).toMatchObject({
      state: "completed",
      result: { status: "succeeded", tasksDone: 3 },
    });
    expect(await settled(queued.runId)).toMatchObject({
      state: "completed",
      result: { status: "succeeded", tasksDone: 1 },
    });
    expect(isAlive(agentPid)).toBe(false);

    const bot = `${world.gh.appSlug}[bot]`;
    const pulls = world.gh.pulls(repo);
    expect(pulls).toHaveLength(2);
    for (const [issue, id, tasks] of [
      [first, runId, ["0", "1", "2"]],
      [second, queued.runId, ["0"]],
    ] as const) {
      const branch = (await world.gh.branches(repo)).find((b) => b.endsWith(id.slice(0, 8)))!;
      const commits = await world.gh.branchCommits(repo, branch);
      expect(commits.map((c) => /Maestro-Task: (\d+)/.exec(c.message)?.[1])).toEqual(tasks);
      expect(pulls.filter((p) => p.head === branch)).toEqual([
        expect.objectContaining({ draft: true, state: "open" }),
      ]);
      const status = world.gh.issueComments(repo, issue.number).filter((c) => c.user === bot);
      expect(status).toHaveLength(1);
      expect(status[0]!.body).toContain(`Maestro run \`${id}\`: ✅ succeeded`);
      expect(world.runLog(id).at(-1)).toMatchObject({ type: "run.finished", status: "succeeded" });
      const runs = await listIssueRuns(
        { redis, prefix: world.prefix },
        { owner: "octo-org", name: "drill-redis" },
        issue.number,
      );
      expect(runs.map((r) => [r.runId, r.state])).toEqual([[id, "succeeded"]]);
    }
    expect(world.gh.problems()).toEqual([]);
  }, 150_000);
});
