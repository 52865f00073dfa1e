// Issue 5 §2, the commands that must not start a run: each gets a reply that says what was wrong (or,
// for --dry-run, what would run), and nothing is queued, branched or opened. Real `maestro serve`,
// real Redis, local GitHub; assertions on the end state of GitHub and the queue.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";

const DOCS_PLAYBOOK = `---
description: Write two docs pages
---
# Docs

- [ ] Write \`docs/one.md\`
- [x] Write the index (done)
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

function botComments(repo: string, number: number) {
  return world.gh.issueComments(repo, number).filter((c) => c.user === `${world.gh.appSlug}[bot]`);
}

/**
 * Waits for the handler's last step: the reply, then the reaction on the command's comment. The
 * delivery itself may be answered (202) before the handler is done when several arrive at once.
 */
async function answered(
  repo: string,
  issueNumber: number,
  commentId: number,
  opts: { replies?: number; reaction?: string } = {},
): Promise<void> {
  const { replies = 1, reaction } = opts;
  await world.waitFor(`reply ${replies} and a reaction on comment ${commentId}`, () =>
    botComments(repo, issueNumber).length >= replies &&
    (!reaction ||
      world.gh.reactions(repo).some((r) => r.subject === `comment:${commentId}` && r.content === reaction))
      ? true
      : null,
  );
}

/** Nothing ran: no job, no run record, no branch but main, no PR, no run log. */
async function expectNoRun(repo: string, issueNumber: number, runId: string): Promise<void> {
  expect(await world.queue.getJob(runId)).toBeUndefined();
  expect(await world.runsOf(repo, issueNumber)).toEqual([]);
  expect(await world.gh.branches(repo)).toEqual(["main"]);
  expect(world.gh.pulls(repo)).toEqual([]);
  expect(world.runLog(runId)).toEqual([]);
  expect(world.gh.checkRuns(repo)).toEqual([]);
}

describe("end to end: commands answered without a run", () => {
  it.concurrent(
    "--dry-run replies with the tasks that would run and queues nothing",
    async () => {
      const repo = await world.makeRepo("dry-run", { playbooks: { docs: DOCS_PLAYBOOK } });
      const issue = world.gh.createIssue(repo, { title: "Docs", user: "alice" });
      const { commentId, delivery, runId } = await world.comment(
        repo,
        issue.number,
        "/maestro run docs --dry-run",
      );
      expect([200, 202]).toContain(delivery.status);
      // Dry run: 👀 first, the reply last.
      await answered(repo, issue.number, commentId);
      const replies = botComments(repo, issue.number);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toContain("Maestro dry run: `docs`");
      expect(replies[0]!.body).toContain("`.github/maestro/playbooks/docs.md`");
      expect(replies[0]!.body).toMatch(/Tasks that would run\*\* \(2; 1 already done, skipped\)/);
      expect(replies[0]!.body).toContain("1. Write `docs/one.md`");
      expect(replies[0]!.body).toContain("2. Write `docs/two.md`");
      expect(replies[0]!.body).toContain("nothing was queued");
      expect(world.gh.reactions(repo).map((r) => [r.subject, r.content])).toEqual([
        [`comment:${commentId}`, "eyes"],
      ]);
      await expectNoRun(repo, issue.number, runId);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );

  it.concurrent(
    "a user without write permission gets a reply and 😕, and no run",
    async () => {
      const repo = await world.makeRepo("unauthorized", { playbooks: { docs: DOCS_PLAYBOOK } });
      world.gh.addCollaborator(repo, "trinity", "triage");
      const issue = world.gh.createIssue(repo, { title: "Docs", user: "trinity" });
      const { commentId, delivery, runId } = await world.comment(repo, issue.number, "/maestro run docs", {
        user: "trinity",
      });
      expect([200, 202]).toContain(delivery.status);
      await answered(repo, issue.number, commentId, { reaction: "confused" });
      const replies = botComments(repo, issue.number);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toContain("Maestro did not run this");
      expect(replies[0]!.body).toContain("`triage` permission");
      expect(replies[0]!.body).toContain("at least `write`");
      expect(world.gh.reactions(repo).map((r) => [r.subject, r.content])).toEqual([
        [`comment:${commentId}`, "confused"],
      ]);
      await expectNoRun(repo, issue.number, runId);

      // Someone with no role at all on the (public) repo reads as `read`: refused the same way.
      const stranger = await world.comment(repo, issue.number, "/maestro run docs", { user: "mallory" });
      await answered(repo, issue.number, stranger.commentId, { replies: 2, reaction: "confused" });
      expect(botComments(repo, issue.number).at(-1)!.body).toContain("`read` permission");
      await expectNoRun(repo, issue.number, stranger.runId);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );

  it.concurrent(
    "an unknown playbook gets a reply listing the available ones, and no run",
    async () => {
      const repo = await world.makeRepo("unknown-playbook", { playbooks: { docs: DOCS_PLAYBOOK } });
      const issue = world.gh.createIssue(repo, { title: "Docs", user: "alice" });
      const { commentId, runId } = await world.comment(repo, issue.number, "/maestro run dosc");
      await answered(repo, issue.number, commentId, { reaction: "confused" });
      const replies = botComments(repo, issue.number);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toContain('Unknown playbook "dosc"');
      expect(replies[0]!.body).toMatch(/Available playbooks: .*docs/);
      // Built-ins are listed beside the repo's own.
      expect(replies[0]!.body).toContain("fix-issue");
      expect(world.gh.reactions(repo).map((r) => r.content)).toContain("confused");
      expect(world.gh.reactions(repo).every((r) => r.subject === `comment:${commentId}`)).toBe(true);
      await expectNoRun(repo, issue.number, runId);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );

  it.concurrent(
    "an invalid .github/maestro.yml gets a reply quoting the validation error, and no run",
    async () => {
      const repo = await world.makeRepo("invalid-config", {
        config: "agent: nonsense\nlimits:\n  maxConcurrentRuns: lots\n",
        playbooks: { docs: DOCS_PLAYBOOK },
      });
      const issue = world.gh.createIssue(repo, { title: "Docs", user: "alice" });
      const { commentId, runId } = await world.comment(repo, issue.number, "/maestro run docs");
      await answered(repo, issue.number, commentId, { reaction: "confused" });
      const replies = botComments(repo, issue.number);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toContain("the repository config is not valid");
      expect(replies[0]!.body).toContain(
        '.github/maestro.yml: agent (line 1): must be one of claude-code, codex, opencode, gemini, command, got "nonsense"',
      );
      expect(replies[0]!.body).toContain('limits.maxConcurrentRuns (line 3): must be a number, got "lots"');
      expect(world.gh.reactions(repo).map((r) => [r.subject, r.content])).toEqual([
        [`comment:${commentId}`, "confused"],
      ]);
      await expectNoRun(repo, issue.number, runId);
      expect(world.gh.problems()).toEqual([]);
    },
    120_000,
  );
});
