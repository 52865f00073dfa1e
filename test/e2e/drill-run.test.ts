// Issue 5 §3, failure drills during a run of the real `maestro serve` (real Redis, real git over HTTP,
// the drill agent as a real process): GitHub failing on the PR and comment routes, `/maestro cancel`
// mid-task, and the cost cap crossed mid-task. Assertions are on end state: the remote branch, PRs,
// comments, the run log, the job in Redis, and whether the agent's processes still exist.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";
import { drillConfig, isAlive, readPid, until } from "../support/e2e-drills.js";

let world: E2EWorld;
let stateDir: string;

beforeAll(async () => {
  stateDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-drill-run-")));
  // The drill agent keeps host pid files in a state dir: these drills exercise the no-sandbox path
  // (process groups); the sandbox's own kill and cancel are tested in test/integration/sandbox.
  world = await startE2EWorld({ env: { MAESTRO_SANDBOX: "off" } });
}, 60_000);

afterAll(async () => {
  await world?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

type Event = Record<string, unknown> & { type: string };
const events = (runId: string) => world.runLog(runId) as Event[];
const bot = () => `${world.gh.appSlug}[bot]`;
const botComments = (repo: string, n: number) =>
  world.gh.issueComments(repo, n).filter((c) => c.user === bot());
const statusComments = (repo: string, n: number, runId: string) =>
  botComments(repo, n).filter((c) => c.body.includes(`<!-- maestro:run:${runId} -->`));

async function runBranch(repo: string): Promise<string> {
  const branches = (await world.gh.branches(repo)).filter((b) => b !== "main");
  expect(branches).toHaveLength(1);
  return branches[0]!;
}

/** The Maestro-Task trailer of each commit on the branch, oldest first. */
async function taskTrailers(repo: string, branch: string): Promise<string[]> {
  return (await world.gh.branchCommits(repo, branch)).map(
    (c) => /Maestro-Task: (\d+)/.exec(c.message)?.[1] ?? "?",
  );
}

describe("drills during a run", () => {
  it("502s and secondary rate limits on the PR and comment routes are retried: one status comment, one PR", async () => {
    const repo = await world.makeRepo("drill-faults", {
      config: drillConfig(stateDir),
      playbooks: { docs: "# Docs\n\n- [ ] Write `docs/one.md`\n- [ ] Write `docs/two.md`\n" },
    });
    const issue = world.gh.createIssue(repo, { title: "Docs under faults", user: "alice" });
    const COMMENTS = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";
    const EDIT = "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}";
    const PULLS = "POST /repos/{owner}/{repo}/pulls";
    const faults = [
      // The status comment: refused by the secondary rate limit, then stored by GitHub but answered 502.
      world.gh.fault({ route: COMMENTS, kind: "secondary-rate-limit", retryAfter: 1 }),
      world.gh.fault({ route: COMMENTS, status: 502, afterHandler: true }),
      // Its edits as the run goes: two 502s.
      world.gh.fault({ route: EDIT, status: 502, times: 2 }),
      // The PR: the secondary rate limit, a plain 502, then stored but answered 502.
      world.gh.fault({ route: PULLS, kind: "secondary-rate-limit", retryAfter: 1 }),
      world.gh.fault({ route: PULLS, status: 502 }),
      world.gh.fault({ route: PULLS, status: 502, afterHandler: true }),
    ];
    const { delivery, runId } = await world.comment(repo, issue.number, "/maestro run docs");
    expect(delivery.status).toBe(200);
    expect(await world.waitForJob(runId, 120_000)).toMatchObject({
      state: "completed",
      result: { status: "succeeded", tasksDone: 2 },
    });
    // Every fault was met (the drill drilled).
    expect(faults.map((f) => f.fired)).toEqual([1, 1, 2, 1, 1, 1]);

    const branch = await runBranch(repo);
    expect(await taskTrailers(repo, branch)).toEqual(["0", "1"]);
    const pulls = world.gh.pulls(repo);
    expect(pulls).toEqual([expect.objectContaining({ head: branch, draft: true, state: "open" })]);
    const status = statusComments(repo, issue.number, runId);
    expect(status).toHaveLength(1);
    expect(botComments(repo, issue.number)).toHaveLength(1);
    expect(status[0]!.body).toContain(`Maestro run \`${runId}\`: ✅ succeeded`);
    expect(status[0]!.body).toContain(`/pull/${pulls[0]!.number}`);
    expect(events(runId).at(-1)).toMatchObject({ type: "run.finished", status: "succeeded" });
    expect((await world.runsOf(repo, issue.number)).map((r) => r.state)).toEqual(["succeeded"]);
    expect(world.gh.problems()).toEqual([]);
  }, 150_000);

  it("`/maestro cancel` mid-task: the agent's process group is gone within 10 s, the finished task is pushed, the run is cancelled", async () => {
    const repo = await world.makeRepo("drill-cancel", {
      config: drillConfig(stateDir),
      playbooks: {
        slow: "# Slow\n\n- [ ] Write `a.md`\n- [ ] Write `b.md` but hang stubbornly\n- [ ] Write `c.md`\n",
      },
    });
    const issue = world.gh.createIssue(repo, { title: "Cancel me", user: "alice" });
    const { runId } = await world.comment(repo, issue.number, "/maestro run slow");
    const agentPid = await world.waitFor("task 2's agent", () =>
      readPid(path.join(stateDir, `${runId}-1.pid`)),
    );
    const childPid = await world.waitFor("its grandchild", () =>
      readPid(path.join(stateDir, `${runId}-1.child`)),
    );
    expect(isAlive(agentPid)).toBe(true);
    expect(isAlive(childPid)).toBe(true);

    const cancel = await world.comment(repo, issue.number, "/maestro cancel");
    expect(cancel.delivery.status).toBe(200);
    // The agent ignores SIGTERM; its grandchild shares its group. Both must be gone within 10 s.
    await until(
      "the agent and its grandchild to be gone",
      () => !isAlive(agentPid) && !isAlive(childPid),
      10_000,
    );

    expect(await world.waitForJob(runId)).toMatchObject({
      state: "completed",
      result: { status: "cancelled", tasksDone: 1 },
    });
    const branch = await runBranch(repo);
    expect(await taskTrailers(repo, branch)).toEqual(["0"]);
    expect(await world.gh.git(repo, "show", `${branch}:a.md`)).toBe("Write `a.md`");
    const log = events(runId);
    expect(log.filter((e) => e.type === "task.finished").map((e) => [e.index, e.status])).toEqual([
      [0, "done"],
      [1, "cancelled"],
    ]);
    expect(log.filter((e) => e.type === "task.started").map((e) => e.index)).toEqual([0, 1]);
    expect(log.at(-1)).toMatchObject({ type: "run.finished", status: "cancelled", tasksDone: 1 });
    expect((await world.runsOf(repo, issue.number)).map((r) => r.state)).toEqual(["cancelled"]);
    const status = statusComments(repo, issue.number, runId);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/cancelled/i);
    // What was committed is offered for review in one draft PR.
    expect(world.gh.pulls(repo)).toEqual([
      expect.objectContaining({ head: branch, draft: true, state: "open" }),
    ]);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);

  it("the cost cap crossed mid-task stops the agent: budget_exceeded, overshoot at most one agent turn", async () => {
    const CAP = 0.35;
    const TURN = 0.1;
    const repo = await world.makeRepo("drill-budget", {
      config: drillConfig(stateDir, `  maxCostUsdPerRun: ${CAP}`),
      playbooks: {
        spend: `# Spend\n\n- [ ] Write \`a.md\`\n- [ ] Write \`b.md\` and spend 40 turns of ${TURN}\n- [ ] Write \`c.md\`\n`,
      },
    });
    const issue = world.gh.createIssue(repo, { title: "Spend", user: "alice" });
    const { runId } = await world.comment(repo, issue.number, "/maestro run spend");
    expect(await world.waitForJob(runId)).toMatchObject({
      state: "completed",
      result: { status: "budget_exceeded", tasksDone: 1 },
    });
    const agentPid = readPid(path.join(stateDir, `${runId}-1.pid`));
    expect(agentPid).not.toBeNull();
    expect(isAlive(agentPid!)).toBe(false);
    // The agent was stopped at the turn that crossed the cap ($0.006 + 4 × $0.10), not left to spend its 40.
    const turns = fs
      .readFileSync(path.join(stateDir, `${runId}-1.turns`), "utf8")
      .trim()
      .split("\n");
    expect(turns.length).toBeLessThanOrEqual(5);

    const log = events(runId);
    const finished = log.at(-1)!;
    expect(finished).toMatchObject({ type: "run.finished", status: "budget_exceeded", tasksDone: 1 });
    const cost = finished.costUsd as number;
    expect(cost).toBeGreaterThanOrEqual(CAP);
    expect(cost).toBeLessThanOrEqual(CAP + TURN);
    expect(log.filter((e) => e.type === "task.started").map((e) => e.index)).toEqual([0, 1]);
    expect(log.find((e) => e.type === "task.finished" && e.index === 1)).toMatchObject({
      status: "cancelled",
      error: expect.stringContaining("cost cap reached"),
    });

    const branch = await runBranch(repo);
    expect(await taskTrailers(repo, branch)).toEqual(["0"]);
    expect((await world.runsOf(repo, issue.number)).map((r) => r.state)).toEqual(["budget_exceeded"]);
    const status = statusComments(repo, issue.number, runId);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toMatch(/budget|cost cap/i);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);
});
