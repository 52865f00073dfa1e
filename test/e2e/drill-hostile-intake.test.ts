// Issue 12, hostile input at the webhook door of the real `maestro serve` (webhook server and worker in
// one process, real Redis, local GitHub), each drill asserting end state:
// - a captured signed body sent again under fresh delivery ids (the signature does not cover
//   X-GitHub-Delivery) is the same event: exactly one run, one status comment, one PR;
// - a 64 KB comment built to make a Markdown parser super-linear is answered in milliseconds while
//   /healthz keeps answering (before: 9–19 s of a blocked process per comment);
// - an outsider's refused commands cost one REST call between them, beyond the reply and 😕.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runIdForDelivery } from "../../src/queue/job-schema.js";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";

const DOCS = "# Docs\n\n- [ ] Write `docs/one.md`\n- [ ] Write `docs/two.md`\n";
const ONE = "# One\n\n- [ ] Write `one.md`\n";

let world: E2EWorld;

beforeAll(async () => {
  world = await startE2EWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
}, 60_000);

const bot = () => `${world.gh.appSlug}[bot]`;
const botComments = (repo: string, n: number) =>
  world.gh.issueComments(repo, n).filter((c) => c.user === bot());

/** Serve answers before its replies and reactions are posted: wait until none is pending. */
async function feedbackPosted(): Promise<void> {
  await world.waitFor("serve's feedback to be posted", async () => {
    const text = await fetch(`${world.serve.url}/metrics`).then((r) => r.text());
    return /^maestro_feedback_pending 0$/m.test(text);
  });
}

/** Finds the one job among candidate run ids (whichever delivery won the event's claim). */
async function theJob(runIds: string[]): Promise<string> {
  return world
    .waitFor("the event's one job", async () => {
      const found: string[] = [];
      for (const id of runIds) if (await world.queue.getJob(id)) found.push(id);
      return found.length > 0 ? found : null;
    })
    .then((found) => {
      expect(found).toHaveLength(1);
      return found[0]!;
    });
}

describe("drills: hostile input at the webhook door", () => {
  it("the same webhook delivered 5 times; the same event with new delivery ids → exactly 1 run", async () => {
    const repo = await world.makeRepo("replay", { playbooks: { docs: DOCS, one: ONE } });
    const issue = world.gh.createIssue(repo, { title: "Docs", user: "alice" });
    const { comment } = await world.gh.postComment(repo, issue.number, "/maestro run docs", {
      user: "alice",
      send: false,
    });
    const payload = world.gh.payloads.issueCommentCreated(repo, comment.id);
    const jobsBefore = await world.jobCount();
    // GitHub's own redelivery (same id) 5 times, and a replayed body under 5 fresh ids, all at once.
    const sameId = randomUUID();
    const freshIds = Array.from({ length: 5 }, () => randomUUID());
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () =>
        world.gh.sendWebhook("issue_comment", payload, { deliveryId: sameId }),
      ),
      ...freshIds.map((deliveryId) => world.gh.sendWebhook("issue_comment", payload, { deliveryId })),
    ]);
    answers.forEach((a) => expect(a.status).toBeLessThan(300));
    const runId = await theJob([sameId, ...freshIds].map((id) => runIdForDelivery(id)));
    expect(await world.waitForJob(runId)).toMatchObject({
      state: "completed",
      result: { status: "succeeded", tasksDone: 2 },
    });
    // Replayed again once the run is over, under yet another id: still the one run.
    const late = randomUUID();
    expect((await world.gh.sendWebhook("issue_comment", payload, { deliveryId: late })).status).toBeLessThan(
      300,
    );
    await feedbackPosted();
    expect(await world.queue.getJob(runIdForDelivery(late))).toBeUndefined();

    expect(await world.jobCount()).toBe(jobsBefore + 1);
    expect((await world.runsOf(repo, issue.number)).map((r) => [r.runId, r.state])).toEqual([
      [runId, "succeeded"],
    ]);
    expect(botComments(repo, issue.number)).toHaveLength(1);
    expect((await world.gh.branches(repo)).filter((b) => b !== "main")).toHaveLength(1);
    expect(world.gh.pulls(repo)).toHaveLength(1);
    expect(world.gh.reactions(repo).filter((r) => r.content === "eyes")).toHaveLength(1);
    expect(world.runLog(runId).filter((e) => e.type === "run.started")).toHaveLength(1);

    // A maestro: label event, its body captured and replayed under fresh ids: one run too.
    const labelled = world.gh.createIssue(repo, { title: "One", user: "alice" });
    await world.gh.addLabel(repo, labelled.number, "maestro:one", { user: "alice", send: false });
    const labelEvent = world.gh.payloads.issuesLabeled(repo, labelled.number, "maestro:one", "alice");
    const labelIds = [1, 2, 3, 4].map(() => randomUUID());
    for (const deliveryId of labelIds)
      expect((await world.gh.sendWebhook("issues", labelEvent, { deliveryId })).status).toBeLessThan(300);
    const labelRun = await theJob(labelIds.map((id) => runIdForDelivery(id)));
    expect(await world.waitForJob(labelRun)).toMatchObject({ state: "completed" });
    await feedbackPosted();
    expect((await world.runsOf(repo, labelled.number)).map((r) => r.runId)).toEqual([labelRun]);
    expect(await world.jobCount()).toBe(jobsBefore + 2);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);

  it("a 64 KB comment built to stall a Markdown parser is answered in milliseconds, and /healthz keeps answering", async () => {
    const repo = await world.makeRepo("stall", { playbooks: { one: ONE } });
    const issue = world.gh.createIssue(repo, { title: "Stall", user: "alice" });
    const K = 64 * 1024;
    const fill = (unit: string) => unit.repeat(Math.ceil(K / unit.length)).slice(0, K);
    const bodies = [
      `/maestro help\n${fill(">")}`,
      `/maestro help\n${fill("*a")}`,
      `/maestro help\n${"- ".repeat(2000)}x${"\n".repeat(K - 4002)}`,
    ];
    // /healthz, asked every 20 ms while the comments go in: the slowest answer.
    let polling = true;
    let slowest = 0;
    let answered = 0;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        const res = await fetch(`${world.serve.url}/healthz`);
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        slowest = Math.max(slowest, performance.now() - t0);
        answered++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // How long GitHub waits for its answer (the replies are posted after it, spaced by GitHub's limits).
    const took: number[] = [];
    try {
      for (const body of bodies) {
        const t0 = performance.now();
        const { delivery } = await world.gh.postComment(repo, issue.number, body, { user: "alice" });
        took.push(performance.now() - t0);
        expect(delivery!.status).toBe(200);
      }
      await feedbackPosted();
    } finally {
      polling = false;
      await poller;
    }
    // Generous bounds for a loaded machine; the Markdown parser took 9–19 s on each of these.
    expect(Math.max(...took)).toBeLessThan(3000);
    expect(slowest).toBeLessThan(1000);
    expect(answered).toBeGreaterThan(bodies.length);
    const replies = botComments(repo, issue.number);
    expect(replies).toHaveLength(bodies.length);
    for (const r of replies) expect(r.body).toContain("Maestro commands");
    // Serve still runs playbooks to a PR.
    const next = await world.comment(repo, issue.number, "/maestro run one");
    expect(await world.waitForJob(next.runId)).toMatchObject({
      state: "completed",
      result: { status: "succeeded" },
    });
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);

  it("an outsider's refused commands cost one REST call between them, beyond one reply and one 😕", async () => {
    const repo = await world.makeRepo("outsider", { playbooks: { one: ONE } });
    const name = repo.split("/")[1]!;
    const issue = world.gh.createIssue(repo, { title: "Open to all", user: "alice" });
    const before = world.gh.requests().length;
    for (let i = 0; i < 5; i++) {
      const { delivery } = await world.comment(repo, issue.number, `/maestro run one -- try ${i}`, {
        user: "mallory",
      });
      expect(delivery.status).toBeLessThan(300);
    }
    // Everything serve asked GitHub about this repository for those 5 commands.
    const calls = world.gh
      .requests()
      .slice(before)
      .filter((r) => r.path.includes(`/${name}/`) || r.path.endsWith(`/${name}`))
      .map((r) => r.route);
    const writes = calls.filter((c) => !c?.startsWith("GET "));
    const reads = calls.filter((c) => c?.startsWith("GET "));
    // One read: the repository's .github/maestro.yml; mallory's permission is never looked up (the
    // payload says NONE in a user's repository).
    expect(reads).toEqual(["GET /repos/{owner}/{repo}/contents/{path}"]);
    // What DESIGN §4 requires of a refusal, once: a reply and a 😕.
    expect(writes.sort()).toEqual([
      "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
    ]);
    const replies = botComments(repo, issue.number);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain("`read` permission");
    expect(await world.runsOf(repo, issue.number)).toEqual([]);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);
});
