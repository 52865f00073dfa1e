// Issue 5 §3, failure drills at the webhook door of the real `maestro serve` (real Redis, local GitHub):
// the same delivery five times, a bad signature, and hostile input. Each drill asserts end state: jobs
// in Redis, run records, comments, reactions, branches, PRs, run logs; and that serve still serves.
import { createHmac, randomUUID } from "node:crypto";
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

/** POSTs raw bytes to the webhook URL, signed with the app's secret (or `secret`). */
async function postRaw(
  body: Buffer,
  opts: { event?: string; secret?: string | null; deliveryId?: string; signatureOf?: Buffer } = {},
): Promise<number> {
  const secret = opts.secret === undefined ? world.gh.webhookSecret : opts.secret;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": opts.event ?? "issue_comment",
    "x-github-delivery": opts.deliveryId ?? randomUUID(),
  };
  if (secret !== null)
    headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", secret)
      .update(opts.signatureOf ?? body)
      .digest("hex")}`;
  const res = await fetch(`${world.serve.url}/api/github/webhooks`, { method: "POST", headers, body });
  await res.arrayBuffer();
  return res.status;
}

/** A normal run after the drill: the server still takes commands and runs them to a PR. */
async function expectStillServing(repo: string): Promise<void> {
  const health = await fetch(`${world.serve.url}/healthz`);
  expect(health.status).toBe(200);
  const issue = world.gh.createIssue(repo, { title: "After the drill", user: "alice" });
  const { runId } = await world.comment(repo, issue.number, "/maestro run one");
  expect(await world.waitForJob(runId)).toMatchObject({
    state: "completed",
    result: { status: "succeeded" },
  });
  expect(world.gh.pulls(repo).filter((p) => p.body?.includes(`#${issue.number}`))).toHaveLength(1);
}

describe("drills at the webhook door", () => {
  it("the same delivery sent 5 times at once (and again after the run) makes exactly one run, one status comment, one PR", async () => {
    const repo = await world.makeRepo("drill-dup", { playbooks: { docs: DOCS, one: ONE } });
    const issue = world.gh.createIssue(repo, { title: "Docs", user: "alice" });
    const { comment } = await world.gh.postComment(repo, issue.number, "/maestro run docs", {
      user: "alice",
      send: false,
    });
    const jobsBefore = await world.jobCount();
    const deliveryId = randomUUID();
    const runId = runIdForDelivery(deliveryId);
    const payload = world.gh.payloads.issueCommentCreated(repo, comment.id);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => world.gh.sendWebhook("issue_comment", payload, { deliveryId })),
    );
    answers.forEach((a) => expect(a.status).toBeLessThan(300));
    expect(await world.waitForJob(runId)).toMatchObject({
      state: "completed",
      result: { status: "succeeded", tasksDone: 2 },
    });
    // GitHub's "Redeliver" once the run is over: still the same one run.
    expect((await world.gh.sendWebhook("issue_comment", payload, { deliveryId })).status).toBeLessThan(300);

    expect(await world.jobCount()).toBe(jobsBefore + 1);
    expect((await world.runsOf(repo, issue.number)).map((r) => [r.runId, r.state])).toEqual([
      [runId, "succeeded"],
    ]);
    expect(botComments(repo, issue.number)).toHaveLength(1);
    const branches = (await world.gh.branches(repo)).filter((b) => b !== "main");
    expect(branches).toHaveLength(1);
    const commits = await world.gh.branchCommits(repo, branches[0]!);
    expect(commits.map((c) => /Maestro-Task: (\d+)/.exec(c.message)?.[1])).toEqual(["0", "1"]);
    expect(world.gh.pulls(repo)).toHaveLength(1);
    expect(world.runLog(runId).filter((e) => e.type === "run.started")).toHaveLength(1);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);

  it("a bad signature is refused (4xx) and nothing is queued, commented or reacted to", async () => {
    const repo = await world.makeRepo("drill-sig", { playbooks: { docs: DOCS, one: ONE } });
    const issue = world.gh.createIssue(repo, { title: "Docs", user: "alice" });
    const { comment } = await world.gh.postComment(repo, issue.number, "/maestro run docs", {
      user: "alice",
      send: false,
    });
    const payload = world.gh.payloads.issueCommentCreated(repo, comment.id);
    const jobsBefore = await world.jobCount();
    const deliveryId = randomUUID();
    // Checked before Probot (src/http/webhook-signature.ts): 401, and nothing past it happens.
    const REFUSED = [401];
    const forged = await world.gh.sendWebhook("issue_comment", payload, {
      deliveryId,
      secret: "not-the-secret",
    });
    expect(REFUSED).toContain(forged.status);
    // A body changed after signing (the signature of the original replayed on a tampered payload).
    const original = JSON.stringify(payload);
    const tampered = await postRaw(Buffer.from(original.replace("/maestro run docs", "/maestro run evil")), {
      signatureOf: Buffer.from(original),
    });
    expect(REFUSED).toContain(tampered);
    // No signature at all.
    expect(REFUSED).toContain(await postRaw(Buffer.from(original), { secret: null }));

    expect(await world.jobCount()).toBe(jobsBefore);
    expect(await world.queue.getJob(runIdForDelivery(deliveryId))).toBeUndefined();
    expect(await world.runsOf(repo, issue.number)).toEqual([]);
    expect(world.gh.issueComments(repo, issue.number).map((c) => c.user)).toEqual(["alice"]);
    expect(world.gh.reactions(repo)).toEqual([]);
    // Not even a read of the repo: the request never got past the signature check.
    expect(world.gh.requests().filter((r) => r.path.includes("/drill-sig"))).toEqual([]);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);

  it("hostile input gets clear replies or a clean 4xx, and serve keeps serving", async () => {
    const repo = await world.makeRepo("drill-hostile", { playbooks: { docs: DOCS, one: ONE } });
    const issue = world.gh.createIssue(repo, { title: "Hostile", user: "alice" });
    const jobsBefore = await world.jobCount();

    // A playbook name that climbs out of the playbooks directory.
    await world.comment(repo, issue.number, "/maestro run ../../../etc/passwd");
    let replies = botComments(repo, issue.number);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain('"../../../etc/passwd"');
    expect(replies[0]!.body).toContain('must not contain ".."');

    // A 1 MB comment: a command line followed by a megabyte of text.
    const huge = `/maestro run ../x\n${"A".repeat(1024 * 1024)}`;
    const big = await world.comment(repo, issue.number, huge);
    expect(big.delivery.status).toBeLessThan(300);
    replies = botComments(repo, issue.number);
    expect(replies).toHaveLength(2);
    expect(replies[1]!.body).toContain('must not contain ".."');
    expect(replies[1]!.body.length).toBeLessThan(10_000);

    // A 1 MB comment whose megabyte is the run's free text (after `--`): refused with the limit, not
    // half-queued (no status comment, no run record).
    const hugeArgs = await world.comment(
      repo,
      issue.number,
      `/maestro run docs -- ${"B".repeat(1024 * 1024)}`,
    );
    expect(hugeArgs.delivery.status).toBeLessThan(300);
    replies = botComments(repo, issue.number);
    expect(replies).toHaveLength(3);
    expect(replies[2]!.body).toContain(
      "Run not queued: the text given to the run is 1,048,576 characters long",
    );
    expect(replies[2]!.body).toContain("at most 65,536");
    expect(await world.queue.getJob(hugeArgs.runId)).toBeUndefined();

    // Binary garbage, signed with the right secret: invalid UTF-8 and NULs; NULs and control bytes in
    // valid UTF-8; JSON cut short. None is a payload: a clean 400 each, nothing queued.
    const garbage = [
      Buffer.from([0xff, 0xfe, 0x00, 0x00, 0xc3, 0x28, 0x7b, 0x00, 0xa0, 0xa1, 0x80, 0x00]),
      Buffer.from("\u0000\u0001\u0002{{{\u0000]]", "utf8"),
      Buffer.from(JSON.stringify(world.gh.payloads.issueCommentCreated(repo, big.commentId)).slice(0, 5000)),
    ];
    for (const body of garbage) expect(await postRaw(body)).toBe(400);
    // NULs and lone surrogates inside an otherwise valid comment: parsed, answered, no crash.
    const nul = await world.comment(repo, issue.number, "/maestro run do\u0000cs\ud800 --agent \u0000");
    expect(nul.delivery.status).toBeLessThan(300);
    replies = botComments(repo, issue.number);
    expect(replies).toHaveLength(4);
    expect(replies[3]!.body).toContain('Playbook name "do\\u0000cs\\ud800" is not valid');

    expect(await world.jobCount()).toBe(jobsBefore);
    expect(await world.runsOf(repo, issue.number)).toEqual([]);
    await expectStillServing(repo);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);

  it("YAML bombs in .github/maestro.yml get a reply saying the config is invalid, and serve keeps serving", async () => {
    const laughs = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...Array.from({ length: 9 }, (_, i) => {
        const p = String.fromCharCode(97 + i);
        const n = String.fromCharCode(98 + i);
        return `${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`;
      }),
      "agent: command",
    ].join("\n");
    const nested = `agent: command\nlimits: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`;
    // Each bomb and what the reply must say about it.
    const bombs: [string, string, RegExp][] = [
      ["billion laughs", laughs, /Excessive alias count/],
      // The same, reached from a known key, so validation would have to walk the expanded value.
      ["billion laughs under protectedPaths", `${laughs}\nprotectedPaths: *j`, /Excessive alias count/],
      ["deep nesting", nested, /line 2, column \d+: YAML syntax error/],
    ];
    for (const [what, config, says] of bombs) {
      const repo = await world.makeRepo(`drill-bomb-${what.replace(/\W+/g, "-")}`, {
        playbooks: { docs: DOCS, one: ONE },
        config,
      });
      const issue = world.gh.createIssue(repo, { title: what, user: "alice" });
      const { delivery, runId } = await world.comment(repo, issue.number, "/maestro run docs");
      expect(delivery.status).toBeLessThan(500);
      const replies = await world.waitFor(`a reply to the ${what} config`, () => {
        const r = botComments(repo, issue.number);
        return r.length > 0 ? r : null;
      });
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toContain("the repository config is not valid");
      expect(replies[0]!.body).toMatch(says);
      expect(replies[0]!.body.length).toBeLessThan(10_000);
      expect(await world.queue.getJob(runId)).toBeUndefined();
      expect(await world.runsOf(repo, issue.number)).toEqual([]);
    }
    const healthy = await world.makeRepo("drill-bomb-after", { playbooks: { docs: DOCS, one: ONE } });
    await expectStillServing(healthy);
    expect(world.gh.problems()).toEqual([]);
  }, 120_000);
});
