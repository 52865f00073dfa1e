// Issue 5 §2: the service as a user runs it. The real `maestro serve` (webhook server + worker) with
// real Redis, real git over HTTP and a real command agent, against a local GitHub that follows GitHub's
// OpenAPI description. Every scenario asserts end state: the remote branch's commits, the PRs, the
// comments and reactions, the labels, the check run, the run log, and no request GitHub would refuse.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runIdForDelivery } from "../../src/queue/job-schema.js";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";

const DOCS_PLAYBOOK = `---
description: Write two docs pages
---
# Docs

Write the pages the tasks name.

- [ ] Write \`docs/one.md\`
- [ ] Write \`docs/two.md\`
`;

let world: E2EWorld;

beforeAll(async () => {
  // Scenarios run side by side (separate repos), so serve works on several runs at once.
  world = await startE2EWorld({ env: { MAESTRO_CONCURRENCY: "8" } });
}, 60_000);

afterAll(async () => {
  await world?.close();
}, 60_000);

type Event = Record<string, unknown> & { type: string };

function events(runId: string): Event[] {
  return world.runLog(runId) as Event[];
}

/**
 * GitHub counts any 2xx as delivered. Probot answers 200 when the handler is done, or 202 "still
 * processing" after 9 s (several deliveries at once queue behind one installation's write throttle).
 */
function accepted(d: { status: number }): boolean {
  return d.status === 200 || d.status === 202;
}

/** The bot's comments on an issue or PR. */
function botComments(repo: string, number: number) {
  return world.gh.issueComments(repo, number).filter((c) => c.user === `${world.gh.appSlug}[bot]`);
}

/** The one branch Maestro made (anything but main). */
async function runBranches(repo: string): Promise<string[]> {
  return (await world.gh.branches(repo)).filter((b) => b !== "main");
}

describe("end to end: maestro serve against a local GitHub", () => {
  it.concurrent(
    "a `/maestro run NAME` comment ends in a draft PR with one commit per task",
    async () => {
      const repo = await world.makeRepo("comment-run", { playbooks: { docs: DOCS_PLAYBOOK } });
      const issue = world.gh.createIssue(repo, { title: "Document the API", body: "Please.", user: "alice" });
      const { commentId, delivery, runId } = await world.comment(repo, issue.number, "/maestro run docs");
      expect(accepted(delivery)).toBe(true);
      const job = await world.waitForJob(runId);
      expect(job).toMatchObject({
        state: "completed",
        result: { status: "succeeded", tasksDone: 2, tasksTotal: 2 },
      });

      // The remote branch: two commits, one per task, with the checkpoint trailers and the requester as co-author.
      const [branch, ...others] = await runBranches(repo);
      expect(others).toEqual([]);
      expect(branch).toBe(`maestro/${issue.number}-docs-${runId.slice(0, 8)}`);
      const commits = await world.gh.branchCommits(repo, branch!);
      expect(commits).toHaveLength(2);
      commits.forEach((c, i) => {
        expect(c.author).toMatch(/^maestro-test\[bot\] </);
        expect(c.message).toContain(`Maestro-Run: ${runId}`);
        expect(c.message).toContain(`Maestro-Task: ${i}`);
        expect(c.message).toMatch(/Co-authored-by: alice </);
      });
      expect(await world.gh.git(repo, "show", `${branch}:docs/one.md`)).toBe("Write `docs/one.md`");
      expect(await world.gh.git(repo, "show", `${branch}:docs/two.md`)).toBe("Write `docs/two.md`");

      // One draft PR from that branch, the requester asked to review.
      const pulls = world.gh.pulls(repo);
      expect(pulls).toEqual([
        expect.objectContaining({
          head: branch,
          base: "main",
          draft: true,
          state: "open",
          user: "maestro-test[bot]",
        }),
      ]);
      expect(pulls[0]!.title).toContain("Document the API");
      expect(pulls[0]!.body).toContain(`#${issue.number}`);
      expect(pulls[0]!.requestedReviewers).toEqual(["alice"]);

      // The check run sits on the branch head with the run's outcome.
      const head = await world.gh.branchSha(repo, branch!);
      expect(world.gh.checkRuns(repo)).toEqual([
        expect.objectContaining({
          name: "Maestro",
          headSha: head,
          externalId: runId,
          status: "completed",
          conclusion: "success",
        }),
      ]);

      // One status comment on the issue, edited to the final state with the PR's link; 👀 then 🚀 on the command.
      const status = botComments(repo, issue.number);
      expect(status).toHaveLength(1);
      expect(status[0]!.body).toContain(`Maestro run \`${runId}\`: ✅ succeeded`);
      expect(status[0]!.body).toContain(`/pull/${pulls[0]!.number}`);
      expect(world.gh.reactions(repo).map((r) => [r.subject, r.content])).toEqual([
        [`comment:${commentId}`, "eyes"],
        [`comment:${commentId}`, "rocket"],
      ]);

      // The run log: started, each task committed with the sha now on the remote, finished with the PR.
      const log = events(runId);
      expect(log[0]).toMatchObject({
        type: "run.started",
        playbook: "docs",
        branch,
        tasksTotal: 2,
        trigger: { kind: "comment", actor: "alice" },
      });
      expect(log.filter((e) => e.type === "task.committed").map((e) => e.sha)).toEqual(
        commits.map((c) => c.sha),
      );
      expect(log.at(-1)).toMatchObject({
        type: "run.finished",
        status: "succeeded",
        tasksDone: 2,
      });
      expect((await world.runsOf(repo, issue.number)).map((r) => r.state)).toEqual(["succeeded"]);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );

  it.concurrent(
    "a `maestro:NAME` label ends in a draft PR, and the label is removed when the run ends",
    async () => {
      const repo = await world.makeRepo("label-run", { playbooks: { docs: DOCS_PLAYBOOK } });
      const issue = world.gh.createIssue(repo, { title: "Docs by label", user: "alice" });
      const { delivery, runId } = await world.label(repo, issue.number, "maestro:docs");
      expect(accepted(delivery)).toBe(true);
      expect(await world.waitForJob(runId)).toMatchObject({
        state: "completed",
        result: { status: "succeeded" },
      });

      const [branch, ...others] = await runBranches(repo);
      expect(others).toEqual([]);
      expect(branch).toBe(`maestro/${issue.number}-docs-${runId.slice(0, 8)}`);
      expect((await world.gh.branchCommits(repo, branch!)).map((c) => c.subject)).toHaveLength(2);
      expect(world.gh.pulls(repo)).toEqual([
        expect.objectContaining({ head: branch, draft: true, state: "open" }),
      ]);
      expect(world.gh.labels(repo, issue.number)).toEqual([]);
      // A label has no comment to react to: the reactions go on the issue.
      expect(world.gh.reactions(repo).map((r) => [r.subject, r.content])).toEqual([
        [`issue:${issue.number}`, "eyes"],
        [`issue:${issue.number}`, "rocket"],
      ]);
      expect(botComments(repo, issue.number)).toEqual([
        expect.objectContaining({ body: expect.stringContaining(`Maestro run \`${runId}\`: ✅ succeeded`) }),
      ]);
      expect(events(runId)[0]).toMatchObject({
        type: "run.started",
        trigger: { kind: "label", actor: "alice" },
      });
      expect(events(runId).at(-1)).toMatchObject({ type: "run.finished", status: "succeeded", tasksDone: 2 });
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );

  it.concurrent(
    "`/maestro run` with no name on an issue whose body is a checklist runs the issue itself",
    async () => {
      const repo = await world.makeRepo("issue-run");
      const issue = world.gh.createIssue(repo, {
        title: "Small chores",
        body: "Two chores:\n\n- [ ] Write `chores/a.txt`\n- [x] Already done\n- [ ] Write `chores/b.txt`\n",
        user: "alice",
      });
      const { runId } = await world.comment(repo, issue.number, "/maestro run");
      expect(await world.waitForJob(runId)).toMatchObject({
        state: "completed",
        result: { status: "succeeded", tasksDone: 2, tasksTotal: 2 },
      });
      const [branch] = await runBranches(repo);
      expect(branch).toBe(`maestro/${issue.number}-issue-${runId.slice(0, 8)}`);
      const commits = await world.gh.branchCommits(repo, branch!);
      expect(commits).toHaveLength(2);
      expect(await world.gh.git(repo, "show", `${branch}:chores/a.txt`)).toBe("Write `chores/a.txt`");
      expect(await world.gh.git(repo, "show", `${branch}:chores/b.txt`)).toBe("Write `chores/b.txt`");
      expect(world.gh.pulls(repo)).toEqual([expect.objectContaining({ head: branch, draft: true })]);
      expect(events(runId)[0]).toMatchObject({ type: "run.started", playbook: "issue", tasksTotal: 2 });
      expect(
        events(runId)
          .filter((e) => e.type === "task.started")
          .map((e) => e.text),
      ).toEqual(["Write `chores/a.txt`", "Write `chores/b.txt`"]);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );

  it.concurrent(
    "`/maestro fix TEXT` on Maestro's PR adds one commit to the same PR",
    async () => {
      const repo = await world.makeRepo("fix-run", {
        playbooks: { one: "# One\n\n- [ ] Write `docs/one.md`\n" },
      });
      const issue = world.gh.createIssue(repo, { title: "One page", user: "alice" });
      const first = await world.comment(repo, issue.number, "/maestro run one");
      expect(await world.waitForJob(first.runId)).toMatchObject({ result: { status: "succeeded" } });
      const [pr] = world.gh.pulls(repo);
      const branch = pr!.head;
      const before = await world.gh.branchCommits(repo, branch);
      expect(before).toHaveLength(1);

      const fix = await world.comment(repo, pr!.number, "/maestro fix Write `docs/fix.md` too");
      expect(accepted(fix.delivery)).toBe(true);
      expect(await world.waitForJob(fix.runId)).toMatchObject({
        state: "completed",
        result: { status: "succeeded", tasksDone: 1, branch },
      });

      // Same branch, same single PR, one more commit on top of the first run's.
      expect(await runBranches(repo)).toEqual([branch]);
      const after = await world.gh.branchCommits(repo, branch);
      expect(after).toHaveLength(2);
      expect(after[0]!.sha).toBe(before[0]!.sha);
      expect(after[1]!.message).toContain(`Maestro-Run: ${fix.runId}`);
      expect(await world.gh.git(repo, "show", `${branch}:docs/fix.md`)).toBe("Write `docs/fix.md` too");
      expect(world.gh.pulls(repo)).toEqual([
        expect.objectContaining({ number: pr!.number, head: branch, state: "open" }),
      ]);
      // The fix run reports on the PR, not on the issue.
      expect(botComments(repo, pr!.number)).toEqual([
        expect.objectContaining({
          body: expect.stringContaining(`Maestro run \`${fix.runId}\`: ✅ succeeded`),
        }),
      ]);
      expect(botComments(repo, issue.number)).toHaveLength(1);
      expect(events(fix.runId)[0]).toMatchObject({
        type: "run.started",
        playbook: "fix",
        branch,
        tasksTotal: 1,
      });
      expect(
        events(fix.runId)
          .filter((e) => e.type === "task.committed")
          .map((e) => e.sha),
      ).toEqual([after[1]!.sha]);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );

  it.concurrent(
    "a changes-requested review on Maestro's PR runs address-review: a commit and a reply per inline comment",
    async () => {
      const repo = await world.makeRepo("review-run", {
        playbooks: { one: "# One\n\n- [ ] Write `docs/one.md`\n" },
        extraConfig: "followUps:\n  onChangesRequested: true",
      });
      const issue = world.gh.createIssue(repo, { title: "One page", user: "alice" });
      const first = await world.comment(repo, issue.number, "/maestro run one");
      expect(await world.waitForJob(first.runId)).toMatchObject({ result: { status: "succeeded" } });
      const [pr] = world.gh.pulls(repo);
      const branch = pr!.head;

      const deliveryId = "review-delivery-1";
      const { comments, delivery } = await world.gh.submitReview(repo, pr!.number, {
        user: "alice",
        state: "CHANGES_REQUESTED",
        body: "Two things.",
        comments: [
          { path: "docs/one.md", line: 1, body: "Say more here." },
          { path: "docs/extra.md", body: "Add this page." },
        ],
        deliveryId,
      });
      expect(accepted(delivery!)).toBe(true);
      const runId = runIdForDelivery(deliveryId);
      expect(await world.waitForJob(runId)).toMatchObject({
        state: "completed",
        result: { status: "succeeded", branch },
      });

      // One commit per task on the PR's branch, the first two for the two comments.
      const commits = (await world.gh.branchCommits(repo, branch)).filter((c) =>
        c.message.includes(`Maestro-Run: ${runId}`),
      );
      const started = events(runId)
        .filter((e) => e.type === "task.started")
        .map((e) => String(e.text));
      expect(started.slice(0, 2)).toEqual([
        "Address review comment 1 (on `docs/one.md` line 1): make the change it asks for, and only that.",
        "Address review comment 2 (on `docs/extra.md`): make the change it asks for, and only that.",
      ]);
      expect(commits).toHaveLength(started.length);
      expect(await world.gh.git(repo, "show", `${branch}:docs/one.md`)).toContain("Address review comment 1");
      expect(await world.gh.git(repo, "show", `${branch}:docs/extra.md`)).toContain(
        "Address review comment 2",
      );
      expect(world.gh.pulls(repo)).toHaveLength(1);

      // Each inline comment got one reply naming the commit that addressed it.
      const replies = world.gh.reviewComments(repo).filter((c) => c.inReplyTo !== null);
      expect(replies.map((r) => r.inReplyTo)).toEqual(comments.map((c) => c.id));
      expect(replies[0]!.body).toContain(`✅ Done in ${commits[0]!.sha.slice(0, 7)}`);
      expect(replies[1]!.body).toContain(`✅ Done in ${commits[1]!.sha.slice(0, 7)}`);
      expect(replies.every((r) => r.user === "maestro-test[bot]")).toBe(true);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );
});
