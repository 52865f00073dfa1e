// Issue 5 §3, drill: a worker SIGKILLed mid-task. `maestro serve` and a `maestro worker` run against the
// same Redis and data dir, each the leader of its own process group; whichever took the run is killed
// with its whole group (and the agent's group, as a dying container takes every process with it). The
// survivor picks the job up as stalled once the dead worker's lock lapses (MAESTRO_LOCK_DURATION_MS,
// here 5 s, + a stalled check every MAESTRO_STALLED_INTERVAL_MS, here 2 s) and resumes from the pushed
// commits: each task committed once, one PR, one status comment.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";
import {
  ancestors,
  drillConfig,
  isAlive,
  killGroup,
  pgidOf,
  readPid,
  spawnInGroup,
  until,
  type GroupProcess,
} from "../support/e2e-drills.js";

let world: E2EWorld;
let stateDir: string;
const procs: GroupProcess[] = [];

beforeAll(async () => {
  stateDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-drill-kill-")));
  // The drill agent keeps host pid files in a state dir: the no-sandbox path (see drill-run.test.ts).
  world = await startE2EWorld({ env: { MAESTRO_SANDBOX: "off" } });
  // The world's serve is not in a group of its own: replace it with one that is, plus a worker.
  await world.serve.stop("SIGTERM");
  // Faster takeover than the 30 s + 15 s defaults, through the operator's own settings.
  const env = { ...world.env(), MAESTRO_LOCK_DURATION_MS: "5000", MAESTRO_STALLED_INTERVAL_MS: "2000" };
  const [serve, worker] = await Promise.all([spawnInGroup("serve", env), spawnInGroup("worker", env)]);
  procs.push(serve, worker);
  world.gh.setWebhookUrl(`${serve.url}/api/github/webhooks`);
}, 90_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await world?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe("drill: worker killed mid-task", () => {
  it("SIGKILL to the worker's process group mid-task: another worker resumes; each task committed once, one PR, one status comment", async () => {
    const repo = await world.makeRepo("drill-kill", {
      config: drillConfig(stateDir),
      playbooks: {
        three: "# Three\n\n- [ ] Write `a.md`\n- [ ] Write `b.md` but hang once\n- [ ] Write `c.md`\n",
      },
    });
    const issue = world.gh.createIssue(repo, { title: "Survive a crash", user: "alice" });
    const { runId } = await world.comment(repo, issue.number, "/maestro run three");
    const agentPid = await world.waitFor("task 2's first agent", () =>
      readPid(path.join(stateDir, `${runId}-1.pid`)),
    );
    // Task 1 is on the remote before the crash.
    const branch = await world.waitFor("the branch with task 1 pushed", async () => {
      const b = (await world.gh.branches(repo)).find((x) => x !== "main");
      return b && (await world.gh.branchCommits(repo, b)).length === 1 ? b : null;
    });

    // The maestro process running the agent, and the survivor.
    const chain = ancestors(agentPid);
    const victim = procs.find((p) => chain.includes(p.pid));
    expect(victim).toBeDefined();
    const survivor = procs.find((p) => p !== victim)!;
    const agentGroup = pgidOf(agentPid)!;
    await victim!.killGroup();
    killGroup(agentGroup);
    expect(isAlive(victim!.pid)).toBe(false);
    await until("the killed agent to be gone", () => !isAlive(agentPid), 5_000);

    const job = await world.waitForJob(runId, 150_000).catch((err: Error) => {
      throw new Error(
        `${err.message}\n${procs.map((p) => `--- ${p === victim ? "killed" : "survivor"} (${p.pid}):\n${p.output().slice(-20_000)}`).join("\n")}`,
      );
    });
    expect(job).toMatchObject({
      state: "completed",
      result: { status: "succeeded", tasksDone: 3, tasksTotal: 3 },
    });
    expect(isAlive(survivor.pid)).toBe(true);
    // The second session of task 2 is not the killed one.
    expect(readPid(path.join(stateDir, `${runId}-1.pid`))).not.toBe(agentPid);

    // Each task committed exactly once, on the one branch, in order.
    expect((await world.gh.branches(repo)).filter((b) => b !== "main")).toEqual([branch]);
    const commits = await world.gh.branchCommits(repo, branch);
    expect(commits.map((c) => /Maestro-Task: (\d+)/.exec(c.message)?.[1])).toEqual(["0", "1", "2"]);
    commits.forEach((c) => expect(c.message).toContain(`Maestro-Run: ${runId}`));
    for (const f of ["a.md", "b.md", "c.md"])
      expect(await world.gh.git(repo, "show", `${branch}:${f}`)).toMatch(/^Write/);

    expect(world.gh.pulls(repo)).toEqual([
      expect.objectContaining({ head: branch, draft: true, state: "open" }),
    ]);
    const status = world.gh
      .issueComments(repo, issue.number)
      .filter((c) => c.user === `${world.gh.appSlug}[bot]`);
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain(`Maestro run \`${runId}\`: ✅ succeeded`);
    // The run log holds both attempts; it ends with the run's success.
    const log = world.runLog(runId);
    expect(log.at(-1)).toMatchObject({ type: "run.finished", status: "succeeded", tasksDone: 3 });
    expect((await world.runsOf(repo, issue.number)).map((r) => r.state)).toEqual(["succeeded"]);
    expect(world.gh.problems()).toEqual([]);
  }, 200_000);
});
