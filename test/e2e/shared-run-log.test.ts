// Issue 14 §1, one run log for all hosts: `maestro serve --no-worker` and two `maestro worker`s, each with a data dir
// of its own (as on three hosts), against one Redis and the local GitHub. The PR's run-log link, fetched through
// serve, returns the whole log though serve never saw the workers' disks; and when the worker running a run is
// SIGKILLed (its whole process group, as a dying container) and the other one resumes it, the link returns ONE log:
// seq 0..n without a gap or a duplicate, both attempts' events in it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";
import {
  ancestors,
  drillConfig,
  freePort,
  isAlive,
  killGroup,
  pgidOf,
  readPid,
  spawnInGroup,
  until,
  type GroupProcess,
} from "../support/e2e-drills.js";

type Event = { seq: number; type: string; index?: number; status?: string };

let world: E2EWorld;
let tmp: string;
let stateDir: string;
const dataDirs = new Map<GroupProcess, string>();
let serve: GroupProcess;
let workers: GroupProcess[];
let serveDir: string;

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-shared-log-")));
  stateDir = path.join(tmp, "agent-state");
  fs.mkdirSync(stateDir);
  world = await startE2EWorld({ env: { MAESTRO_SANDBOX: "off" } });
  // The world's serve runs a worker and uses the world's data dir: replace it with a front-only serve.
  await world.serve.stop("SIGTERM");
  // The links in PRs name serve's address: give it a port known before it starts.
  const port = await freePort();
  const env = {
    ...world.env(),
    MAESTRO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    MAESTRO_LOG_SIGNING_KEY: "shared-run-log-e2e-signing-key",
    // Quick takeover of a dead worker's run (defaults: 30 s + 15 s).
    MAESTRO_LOCK_DURATION_MS: "5000",
    MAESTRO_STALLED_INTERVAL_MS: "2000",
  };
  const dir = (name: string) => {
    const d = path.join(tmp, name);
    fs.mkdirSync(d);
    return d;
  };
  serveDir = dir("serve-host");
  const [w1Dir, w2Dir] = [dir("worker-host-1"), dir("worker-host-2")];
  const started = await Promise.all([
    spawnInGroup(
      "serve",
      { ...env, MAESTRO_DATA_DIR: serveDir },
      { args: ["--no-worker", "--port", String(port)] },
    ),
    spawnInGroup("worker", { ...env, MAESTRO_DATA_DIR: w1Dir }),
    spawnInGroup("worker", { ...env, MAESTRO_DATA_DIR: w2Dir }),
  ]);
  serve = started[0];
  workers = started.slice(1);
  dataDirs.set(workers[0]!, w1Dir).set(workers[1]!, w2Dir);
  world.gh.setWebhookUrl(`${serve.url}/api/github/webhooks`);
}, 90_000);

afterAll(async () => {
  await Promise.all([serve, ...(workers ?? [])].filter(Boolean).map((p) => p.stop()));
  await world?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

const output = () =>
  [serve, ...workers]
    .map((p) => `--- ${p === serve ? "serve" : "worker"} (${p.pid}):\n${p.output().slice(-8000)}`)
    .join("\n");

/** The run-log link in the run's PR body, fetched as a reviewer would (through serve). */
async function logThroughPr(
  repo: string,
  branch: string,
): Promise<{ url: string; text: string; events: Event[] }> {
  const pr = world.gh.pulls(repo).find((p) => p.head === branch);
  const url = /(https?:\/\/\S+\/maestro\/runs\/[A-Za-z0-9_-]+\.jsonl\?[^\s)]+)/.exec(pr?.body ?? "")?.[1];
  if (!url) throw new Error(`no run-log link in the PR body:\n${pr?.body}\n${output()}`);
  expect(url.startsWith(serve.url)).toBe(true);
  const res = await fetch(url);
  const text = await res.text();
  expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({
    status: 200,
    type: "application/x-ndjson; charset=utf-8",
  });
  return { url, text, events: parse(text) };
}

function parse(text: string): Event[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);
}

function localLog(dir: string, runId: string): Event[] {
  const file = path.join(dir, "runs", `${runId}.jsonl`);
  return fs.existsSync(file) ? parse(fs.readFileSync(file, "utf8")) : [];
}

describe("one run log for all hosts", () => {
  it("serve --no-worker runs no worker and links the log a worker wrote on another disk, complete", async () => {
    expect(serve.output()).not.toMatch(/maestro worker: processing runs/);
    expect(serve.output()).toMatch(/no worker: --no-worker/);
    const repo = await world.makeRepo("shared-log", {
      config: drillConfig(stateDir),
      playbooks: { two: "# Two\n\n- [ ] Write `a.md`\n- [ ] Write `b.md`\n" },
    });
    const issue = world.gh.createIssue(repo, { title: "Two files", user: "alice" });
    const { runId } = await world.comment(repo, issue.number, "/maestro run two");
    const job = await world.waitForJob(runId, 45_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${output()}`);
    });
    expect(job).toMatchObject({ state: "completed", result: { status: "succeeded", tasksDone: 2 } });
    const branch = (job.result as { branch: string }).branch;

    const { text, events } = await logThroughPr(repo, branch);
    expect(events.map((e) => e.seq)).toEqual([...events.keys()]);
    expect(events[0]).toMatchObject({ type: "run.started" });
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "succeeded" });
    expect(events.filter((e) => e.type === "task.finished")).toHaveLength(2);
    // Byte for byte the file of the worker that ran it; serve's own disk never had it.
    const ranOn = [...dataDirs.values()].find((d) => localLog(d, runId).length > 0)!;
    expect(text).toBe(fs.readFileSync(path.join(ranOn, "runs", `${runId}.jsonl`), "utf8"));
    expect(fs.existsSync(path.join(serveDir, "runs", `${runId}.jsonl`))).toBe(false);
  }, 60_000);

  it("a worker SIGKILLed mid-run, the other resumes it from its own disk: the link returns ONE continuous log", async () => {
    const repo = await world.makeRepo("shared-log-kill", {
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
    await world.waitFor("the branch with task 1 pushed", async () => {
      const b = (await world.gh.branches(repo)).find((x) => x !== "main");
      return b && (await world.gh.branchCommits(repo, b)).length === 1 ? b : null;
    });

    const chain = ancestors(agentPid);
    const victim = workers.find((p) => chain.includes(p.pid));
    if (!victim)
      throw new Error(`the agent ${agentPid} is no worker's child (${chain.join(" ")})\n${output()}`);
    const survivor = workers.find((p) => p !== victim)!;
    const agentGroup = pgidOf(agentPid)!;
    await victim.killGroup();
    killGroup(agentGroup);
    await until("the killed agent to be gone", () => !isAlive(agentPid), 5_000);

    const job = await world.waitForJob(runId, 45_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${output()}`);
    });
    expect(job).toMatchObject({
      state: "completed",
      result: { status: "succeeded", tasksDone: 3, tasksTotal: 3 },
    });
    const branch = (job.result as { branch: string }).branch;

    const { events } = await logThroughPr(repo, branch);
    // ONE log: every seq once, in order, from 0.
    expect(events.map((e) => e.seq)).toEqual([...events.keys()]);
    // Both attempts: two starts, the killed task started twice, one end.
    expect(events.filter((e) => e.type === "run.started")).toHaveLength(2);
    expect(events.filter((e) => e.type === "task.started" && e.index === 1)).toHaveLength(2);
    expect(events.filter((e) => e.type === "run.finished")).toEqual([
      expect.objectContaining({ status: "succeeded", tasksDone: 3 }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run.finished" });

    // Each host has only its own part: the victim's from seq 0, the survivor's continuing where the store ended.
    const first = localLog(dataDirs.get(victim)!, runId);
    const second = localLog(dataDirs.get(survivor)!, runId);
    expect(first[0]).toMatchObject({ seq: 0, type: "run.started" });
    expect(second[0]).toMatchObject({ type: "run.started" });
    const resumedAt = second[0]!.seq;
    expect(resumedAt).toBeGreaterThan(0);
    expect(events.slice(0, resumedAt)).toEqual(first.slice(0, resumedAt));
    expect(events.slice(resumedAt)).toEqual(second);
    expect(world.gh.pulls(repo)).toHaveLength(1);
    expect(fs.existsSync(path.join(serveDir, "runs", `${runId}.jsonl`))).toBe(false);
  }, 90_000);
});
