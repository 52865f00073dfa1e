// GitHub's size limits against the local GitHub (requests checked against the OpenAPI description,
// which caps a check run's summary and text at 65,535; the stand-in refuses comments over 65,536):
// a 600- and a 5,000-task run's status comment, draft PR body, check run and review reply, built by the
// real rendering functions and sent by the real GitHub code, are all accepted.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Probot } from "probot";
import { GITHUB_MAX_BODY, GITHUB_MAX_CHECK_OUTPUT } from "../../../src/github/body-limits.js";
import { upsertCheckRun } from "../../../src/github/check-run.js";
import type { Octokit } from "../../../src/github/octokit.js";
import { ensureDraftPullRequest } from "../../../src/github/pull-request.js";
import { replyToReviewComment, replyMarker } from "../../../src/github/review-comments.js";
import {
  pullRequestMarker,
  renderFinishedComment,
  renderPullRequestBody,
  renderRunningComment,
  type RunSummaryInput,
  type SummaryTask,
} from "../../../src/github/run-summary.js";
import { findStatusComment, statusMarker, upsertStatusComment } from "../../../src/github/status-comment.js";
import { testOctokit } from "../../helpers/github-api.js";
import { startLocalGitHub, type LocalGitHub } from "../../support/local-github/index.js";

const REPO = "octo/limits";
let gh: LocalGitHub;
let octokit: Octokit;

beforeAll(async () => {
  gh = await startLocalGitHub();
  await gh.createRepo({ owner: "octo", name: "limits", files: { "README.md": "# limits\n" } });
  const probot = new Probot({
    appId: gh.appId,
    privateKey: gh.privateKey,
    baseUrl: gh.apiUrl,
    Octokit: testOctokit(),
    logLevel: "warn",
  });
  octokit = (await probot.auth(gh.installationId)) as Octokit;
});

afterAll(async () => {
  await gh?.close();
});

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
function expectWithin(body: string | null | undefined, max: number): void {
  expect(body).toEqual(expect.any(String));
  expect(body!.length).toBeLessThanOrEqual(max);
  expect(bytes(body!)).toBeLessThanOrEqual(max);
}

const FAILED = [17, 301, 402];
function run(n: number, runId: string): RunSummaryInput {
  const tasks: SummaryTask[] = Array.from({ length: n }, (_, i) => ({
    index: i,
    text:
      i % 2
        ? `Run the linter on packages/pkg-${i} and fix every error it reports, keeping the public API the same`
        : `Übersetze packages/pkg-${i}/src/messages.ts — 日本語のメッセージも 🎌 | keep \`{{placeholders}}\` (${i})`,
    ...(FAILED.includes(i)
      ? { status: "failed", error: `verify failed: npm test exited 1 in pkg-${i}`, costUsd: 0.2 }
      : {
          status: "done",
          costUsd: 0.1,
          durationMs: 42_000,
          sha: "0123456789abcdef0123456789abcdef01234567",
        }),
  }));
  return {
    runId,
    playbook: "lint",
    status: "failed",
    branch: `maestro/12-lint-${runId}`,
    tasks,
    tasksDone: n - FAILED.length,
    tasksTotal: n,
    costUsd: n / 10,
    tokens: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 },
    durationMs: 3_600_000,
    logUrl: `https://maestro.example/maestro/runs/${runId}.jsonl?sig=x`,
    actor: "octocat",
  };
}

function expectSummary(body: string, s: RunSummaryInput): void {
  for (const i of FAILED) expect(body).toMatch(new RegExp(`^\\| ${i + 1} \\| .*❌ failed`, "m"));
  const shown = body.split("\n").filter((l) => /^\| \d+ \|/.test(l)).length;
  const counted = [...body.matchAll(/… (\d+) more tasks? \(/g)].reduce((a, m) => a + Number(m[1]), 0);
  expect(shown + counted).toBe(s.tasks.length);
  expect(body).toMatch(/… \d+ more tasks \(\d+–\d+\): all done — see the \[run log\]/);
}

describe.each([600, 5_000])("a %i-task run on the local GitHub", (n) => {
  const runId = `rint${n}`;
  const s = run(n, runId);

  it("status comment (progress, then the outcome), draft PR, check run and review reply are all accepted", async () => {
    const issue = gh.createIssue(REPO, { title: `Lint ${n}`, user: "alice" });
    const target = { owner: "octo", repo: "limits", issueNumber: issue.number, runId };

    // Progress with half the tasks done, then the final text, as the worker writes them.
    const half = Math.floor(n / 2);
    const progress = renderRunningComment({
      runId,
      playbook: "lint",
      branch: s.branch,
      tasks: s.tasks.map((t) => (t.index >= half ? { index: t.index, text: t.text } : t)),
      current: half,
      tasksTotal: n,
      costUsd: 1,
    });
    const { id } = await upsertStatusComment(octokit, { ...target, body: progress });
    const final = renderFinishedComment(s);
    await upsertStatusComment(octokit, { ...target, body: final, commentId: id });
    const comment = gh.issueComments(REPO, issue.number).find((c) => c.id === id)!;
    expectWithin(comment.body, GITHUB_MAX_BODY);
    expect(comment.body.startsWith(`${statusMarker(runId)}\n### Maestro run \`${runId}\`: ❌ failed`)).toBe(
      true,
    );
    expectSummary(comment.body, s);
    // Found again by its marker.
    expect(await findStatusComment(octokit, target)).toBe(id);

    // The draft PR: created, then updated (a retried run), both within the limit.
    await gh.git(REPO, "branch", s.branch, "main");
    await gh.commit(REPO, { "a.txt": "a\n" }, { branch: s.branch, message: "task 1" });
    const prInput = { owner: "octo", repo: "limits", head: s.branch, base: "main", title: `Lint ${n}` };
    const body = renderPullRequestBody({ ...s, issueNumber: issue.number, isPullRequest: false });
    const pr = await ensureDraftPullRequest(octokit, { ...prInput, body });
    await ensureDraftPullRequest(octokit, {
      ...prInput,
      body: renderPullRequestBody({
        ...s,
        issueNumber: issue.number,
        isPullRequest: false,
        status: "succeeded",
      }),
    });
    const stored = gh.pulls(REPO).find((p) => p.number === pr.number)!;
    expectWithin(stored.body, GITHUB_MAX_BODY);
    expect(stored.body).toContain(pullRequestMarker(runId));
    expect(stored.body).toContain("**✅ succeeded**");
    expectSummary(stored.body!, s);

    // The check run on the branch head.
    const headSha = (await gh.branchSha(REPO, s.branch))!;
    await upsertCheckRun(octokit, {
      owner: "octo",
      repo: "limits",
      headSha,
      runId,
      status: s.status,
      title: `${s.tasksDone}/${n} tasks done`,
      summary: final,
      text: final.repeat(3),
    });
    const check = gh.checkRuns(REPO).find((c) => c.externalId === runId)!;
    expect(check.conclusion).toBe("failure");
    expectWithin(check.output.summary, GITHUB_MAX_CHECK_OUTPUT);
    expectWithin(check.output.text, GITHUB_MAX_CHECK_OUTPUT);
    expect(check.output.summary!.startsWith(statusMarker(runId))).toBe(true);
    expectSummary(check.output.summary!, s);

    // A review reply carrying a long error.
    const { comments } = await gh.submitReview(REPO, pr.number, {
      user: "alice",
      state: "CHANGES_REQUESTED",
      comments: [{ path: "a.txt", line: 1, body: "rename" }],
      send: false,
    });
    await replyToReviewComment(octokit, {
      owner: "octo",
      repo: "limits",
      pullNumber: pr.number,
      commentId: comments[0]!.id,
      runId,
      body: `❌ Not done: ${"日本語 ".repeat(20_000)}`,
    });
    const replyBody = gh.reviewComments(REPO).find((c) => c.inReplyTo === comments[0]!.id)!.body;
    expectWithin(replyBody, GITHUB_MAX_BODY);
    expect(replyBody).toContain(replyMarker(runId));

    expect(gh.problems()).toEqual([]);
  });
});
