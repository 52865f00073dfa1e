// The "Maestro" check run against the stand-in GitHub (requests checked against the OpenAPI description).
import { afterEach, describe, expect, it } from "@jest/globals";
import { conclusionFor, upsertCheckRun } from "../../../src/github/check-run.js";
import type { Octokit } from "../../../src/github/octokit.js";
import { requestReview } from "../../../src/github/request-review.js";
import { replyToReviewComment } from "../../../src/github/review-comments.js";
import { generateAppPrivateKey, installationOctokit } from "../../helpers/github-api.js";
import { mockWorkerGitHub, type WorkerGitHub } from "../../helpers/worker-github.js";

const privateKey = generateAppPrivateKey();
let gh: WorkerGitHub;

afterEach(() => {
  const problems = gh.gh.problems();
  gh.gh.done();
  expect(problems).toEqual([]);
});

const octokit = (): Promise<Octokit> => installationOctokit(privateKey) as Promise<Octokit>;

const sha = "a".repeat(40);
const input = {
  owner: "o",
  repo: "r",
  headSha: sha,
  runId: "rcheck1",
  title: "3/3 tasks",
  summary: "all done",
};

describe("check run", () => {
  it("is created once per run; a retried run updates it instead of adding a second", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    const ok = await octokit();
    const id = await upsertCheckRun(ok, { ...input, status: "failed" });
    expect(gh.checkRuns).toEqual([
      expect.objectContaining({ id, name: "Maestro", external_id: "rcheck1", conclusion: "failure" }),
    ]);
    expect(await upsertCheckRun(ok, { ...input, status: "succeeded", summary: "now done" })).toBe(id);
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.checkRuns[0]).toMatchObject({ conclusion: "success", output: { summary: "now done" } });
    // Another run on the same commit gets its own.
    await upsertCheckRun(ok, { ...input, runId: "rcheck2", status: "cancelled" });
    expect(gh.checkRuns.map((c) => c.conclusion)).toEqual(["success", "cancelled"]);
  });

  it("maps every run status to a conclusion", () => {
    expect(["succeeded", "failed", "cancelled", "budget_exceeded", "timeout"].map(conclusionFor)).toEqual([
      "success",
      "failure",
      "cancelled",
      "failure",
      "timed_out",
    ]);
  });
});

describe("review request", () => {
  it("asks the requester; GitHub's 422 (author or not a collaborator) is not an error", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    gh.pulls.push({ number: 1, head: "b", base: "main", title: "t", body: "", draft: true, state: "open" });
    const ok = await octokit();
    expect(await requestReview(ok, { owner: "o", repo: "r", pullNumber: 1, reviewer: "octocat" })).toBe(true);
    expect(gh.reviewRequests).toEqual(["#1:octocat"]);
    gh.gh.state.failures.push({
      route: "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
      status: 422,
      times: 1,
    });
    expect(await requestReview(ok, { owner: "o", repo: "r", pullNumber: 1, reviewer: "ghost" })).toBe(false);
  });
});

describe("lost responses (GitHub stored it, then answered 502)", () => {
  it("a check run is not created twice", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    gh.gh.state.failures.push({
      route: "POST /repos/{owner}/{repo}/check-runs",
      status: 502,
      times: 1,
      after: true,
    });
    await upsertCheckRun(await octokit(), { ...input, status: "succeeded" }, { backoffMs: () => 5 });
    expect(gh.checkRuns).toHaveLength(1);
  });

  it("a review reply is not posted twice", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    const route = "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies";
    gh.gh.state.failures.push({ route, status: 502, times: 1, after: true });
    const reply = { owner: "o", repo: "r", pullNumber: 3, commentId: 71, runId: "rreply1", body: "Done." };
    await replyToReviewComment(await octokit(), reply, { backoffMs: () => 5 });
    expect(gh.reviewReplies).toHaveLength(1);
    // Another comment still gets its reply.
    await replyToReviewComment(await octokit(), { ...reply, commentId: 72 });
    expect(gh.reviewReplies.map((r) => r.commentId)).toEqual([71, 72]);
  });
});
