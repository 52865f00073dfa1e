// ensureDraftPullRequest against the stand-in GitHub (requests checked against the OpenAPI description).
import { afterEach, describe, expect, it } from "@jest/globals";
import type { Octokit } from "../../../src/github/octokit.js";
import { ensureDraftPullRequest } from "../../../src/github/pull-request.js";
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

const input = {
  owner: "o",
  repo: "r",
  head: "maestro/1-x-r1234567",
  base: "main",
  title: "Maestro: x (#1)",
  body: "summary",
  backoffMs: () => 5,
};
const creates = () => gh.gh.calls().filter((c) => c === "POST /repos/{owner}/{repo}/pulls").length;

describe("ensureDraftPullRequest", () => {
  it("opens a draft PR when none is open for the branch", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    const pr = await ensureDraftPullRequest(await octokit(), input);
    expect(pr).toEqual({ number: 1, url: "https://github.com/o/r/pull/1", created: true });
    expect(gh.pulls[0]).toMatchObject({ head: input.head, base: "main", draft: true, body: "summary" });
  });

  it("a 502 before GitHub stored it: tries again and opens exactly one", async () => {
    gh = mockWorkerGitHub({
      owner: "o",
      repo: "r",
      state: { failures: [{ route: "POST /repos/{owner}/{repo}/pulls", status: 502, times: 1 }] },
    });
    const pr = await ensureDraftPullRequest(await octokit(), input);
    expect(pr.created).toBe(true);
    expect(gh.pulls).toHaveLength(1);
    expect(creates()).toBe(2);
  });

  it("a 502 after GitHub stored it: finds it by listing, never posts again", async () => {
    gh = mockWorkerGitHub({
      owner: "o",
      repo: "r",
      state: {
        failures: [{ route: "POST /repos/{owner}/{repo}/pulls", status: 502, times: 1, after: true }],
      },
    });
    const pr = await ensureDraftPullRequest(await octokit(), input);
    expect(pr).toEqual({ number: 1, url: "https://github.com/o/r/pull/1", created: false });
    expect(gh.pulls).toHaveLength(1);
    expect(creates()).toBe(1);
  });

  it("an open PR for the branch is reused and its body refreshed", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    gh.pulls.push({
      number: 9,
      head: input.head,
      base: "main",
      title: "t",
      body: "old",
      draft: true,
      state: "open",
    });
    const pr = await ensureDraftPullRequest(await octokit(), { ...input, body: "new" });
    expect(pr).toMatchObject({ number: 9, created: false });
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]!.body).toBe("new");
    expect(creates()).toBe(0);
  });

  it("a refusal that is not transient (403) is thrown at once", async () => {
    gh = mockWorkerGitHub({
      owner: "o",
      repo: "r",
      state: { failures: [{ route: "POST /repos/{owner}/{repo}/pulls", status: 403, times: 1 }] },
    });
    await expect(ensureDraftPullRequest(await octokit(), input)).rejects.toMatchObject({ status: 403 });
    expect(gh.pulls).toHaveLength(0);
    expect(creates()).toBe(1);
  });

  it("gives up after the attempts, with GitHub's error", async () => {
    gh = mockWorkerGitHub({
      owner: "o",
      repo: "r",
      state: { failures: [{ route: "POST /repos/{owner}/{repo}/pulls", status: 502, times: 5 }] },
    });
    await expect(ensureDraftPullRequest(await octokit(), { ...input, attempts: 3 })).rejects.toMatchObject({
      status: 502,
    });
    expect(creates()).toBe(3);
    expect(gh.pulls).toHaveLength(0);
  });
});
