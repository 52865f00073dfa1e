// Issue 14, crash drill: `maestro serve` (with its worker) SIGKILLed while the run's second task works, its
// status comment still unposted (GitHub is slow to answer its POST, so the handler holds the claim to create
// it). A `maestro worker` started afterwards resumes the run. Before, the dead process's claim held the
// comment back for 10 minutes; now a claim lives 15 s unless its holder renews it, so the issue's one status
// comment exists within seconds of the resume and ends pointing at the PR.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";
import {
  drillConfig,
  isAlive,
  killGroup,
  pgidOf,
  readPid,
  spawnInGroup,
  type GroupProcess,
} from "../support/e2e-drills.js";

const COMMENTS = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments";
let world: E2EWorld;
let stateDir: string;
const procs: GroupProcess[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  stateDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-drill-serve-")));
  world = await startE2EWorld({ env: { MAESTRO_SANDBOX: "off" } });
  await world.serve.stop("SIGTERM");
  env = { ...world.env(), MAESTRO_LOCK_DURATION_MS: "5000", MAESTRO_STALLED_INTERVAL_MS: "2000" };
  const serve = await spawnInGroup("serve", env);
  procs.push(serve);
  world.gh.setWebhookUrl(`${serve.url}/api/github/webhooks`);
}, 90_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await world?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe("drill: serve killed while its status comment is unposted", () => {
  it("the resumed run's status comment appears within seconds of the resume and ends pointing at the PR", async () => {
    const repo = await world.makeRepo("drill-serve-kill", {
      config: drillConfig(stateDir),
      playbooks: { two: "# Two\n\n- [ ] Write `a.md`\n- [ ] Write `b.md` but hang once\n" },
    });
    const issue = world.gh.createIssue(repo, { title: "Survive serve's crash", user: "alice" });
    // The status comment's POST hangs: its sender holds the claim when serve dies.
    const slow = world.gh.fault({ route: COMMENTS, delayMs: 600_000, times: 1 });
    const { runId } = await world.comment(repo, issue.number, "/maestro run two");
    const agentPid = await world.waitFor("task 2's first agent", () =>
      readPid(path.join(stateDir, `${runId}-1.pid`)),
    );
    // The first status-comment POST (the handler's, or the worker's when it got there first) hangs: whoever
    // sent it holds the claim when serve dies.
    await world.waitFor("the status comment's POST to hang", () => (slow.fired === 1 ? true : null));
    const bot = () =>
      world.gh.issueComments(repo, issue.number).filter((c) => c.user === `${world.gh.appSlug}[bot]`);
    expect(bot()).toEqual([]);

    const agentGroup = pgidOf(agentPid)!;
    await procs[0]!.killGroup();
    killGroup(agentGroup);
    expect(isAlive(procs[0]!.pid)).toBe(false);

    const worker = await spawnInGroup("worker", env);
    procs.push(worker);
    const resumedAt = Date.now();
    // Lock lapse (5 s) + stalled check (2 s) + the dead claim's lapse (≤ 15 s): seconds, not minutes.
    await world.waitFor("the status comment", () => (bot().length > 0 ? true : null), 40_000);
    const after = Date.now() - resumedAt;
    expect(after).toBeLessThan(40_000);

    const job = await world.waitForJob(runId, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- worker:\n${worker.output().slice(-20_000)}`);
    });
    expect(job).toMatchObject({ state: "completed", result: { status: "succeeded", tasksDone: 2 } });
    const pr = world.gh.pulls(repo)[0];
    expect(pr).toBeDefined();
    const status = bot();
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain(`Maestro run \`${runId}\`: ✅ succeeded`);
    expect(status[0]!.body).toContain(`/pull/${pr!.number}`);
    slow.clear();
  }, 180_000);
});
