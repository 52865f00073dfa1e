// The worker's side of the status comment: the handler posts it after answering GitHub, so a worker
// may start first. Real Redis (unique prefix); GitHub's API checked against its OpenAPI description.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  claimStatusComment,
  readStatusComment,
  saveStatusCommentId,
  STATUS_CLAIM_TTL_MS,
} from "../../../src/queue/status-comment-ref.js";
import { statusMarker } from "../../../src/github/status-comment.js";
import { RunStatusComment } from "../../../src/github/run-status-comment.js";
import {
  generateAppPrivateKey,
  installationOctokit,
  mockGitHub,
  type GitHubMock,
} from "../../helpers/github-api.js";
import { deleteKeys, testStore } from "../../helpers/redis.js";

const store = testStore("status-ref");
const privateKey = generateAppPrivateKey();
let gh: GitHubMock;

const target = (runId: string) => ({ owner: "Codertocat", repo: "Hello-World", issueNumber: 1, runId });
const statusBodies = () =>
  gh
    .commentsOn(1)
    .filter((c) => c.body.includes("<!-- maestro:run:"))
    .map((c) => c.body);

beforeEach(async () => {
  await deleteKeys(store.redis, store.prefix);
  gh = mockGitHub({ owner: "Codertocat", repo: "Hello-World" });
});

afterEach(() => {
  const problems = gh.problems();
  gh.done();
  expect(problems).toEqual([]);
});

afterAll(() => store.close());

describe("RunStatusComment", () => {
  it("nobody claimed the comment: the worker makes it, once, and records its id for everyone", async () => {
    const runId = "rstatusnone01";
    const c = new RunStatusComment(await installationOctokit(privateKey), store, target(runId));
    const id = await c.write("### running", false);
    expect(id).toEqual(expect.any(Number));
    expect(await readStatusComment(store, runId)).toEqual({ kind: "posted", id });
    // The handler, late, finds the claim taken and posts nothing.
    expect(await claimStatusComment(store, runId)).toBe(false);
    await c.write("### done", true);
    expect(statusBodies()).toEqual([`${statusMarker(runId)}\n### done`]);
  });

  it("while the handler is still posting: progress is skipped, the final text waits and edits its comment", async () => {
    const runId = "rstatuspend01";
    expect(await claimStatusComment(store, runId)).toBe(true);
    const c = new RunStatusComment(await installationOctokit(privateKey), store, target(runId), 20);
    expect(await c.write("### running", false)).toBeNull();
    expect(gh.calls()).toEqual([]);

    const final = c.write("### done", true);
    await new Promise((r) => setTimeout(r, 100));
    // The handler's POST lands now.
    gh.state.comments.push({
      id: 4242,
      issueNumber: 1,
      body: `${statusMarker(runId)}\n### queued`,
      user: "maestro[bot]",
    });
    await saveStatusCommentId(store, runId, 4242);
    expect(await final).toBe(4242);
    expect(statusBodies()).toEqual([`${statusMarker(runId)}\n### done`]);
  });

  it("a claim whose poster died lapses: the worker takes over and edits the comment the poster left", async () => {
    const runId = "rstatusdead01";
    expect(await claimStatusComment(store, runId, 150)).toBe(true);
    // The poster's POST went through before it died; its id never reached Redis.
    gh.state.comments.push({
      id: 777,
      issueNumber: 1,
      body: `${statusMarker(runId)}\n### queued`,
      user: "maestro[bot]",
    });
    const c = new RunStatusComment(await installationOctokit(privateKey), store, target(runId), 20);
    expect(await c.write("### failed", true)).toBe(777);
    expect(statusBodies()).toEqual([`${statusMarker(runId)}\n### failed`]);
    expect(await readStatusComment(store, runId)).toEqual({ kind: "posted", id: 777 });
  });

  it("issue 14 drill: a claim lapses in seconds unless its holder is alive and renews it while its POST is slow", async () => {
    // A dead poster (a SIGKILLed serve) holds the comment back for at most the claim's TTL: seconds.
    expect(STATUS_CLAIM_TTL_MS).toBeLessThanOrEqual(20_000);
    const runId = "rstatusslow01";
    const slow = await installationOctokit(privateKey);
    slow.hook.before("request", async (options) => {
      if (options.method === "POST") await new Promise((r) => setTimeout(r, 700));
    });
    // The handler: claim TTL 150 ms, but its POST takes 700 ms; it renews the claim meanwhile.
    const handler = new RunStatusComment(slow, store, target(runId), 20, 150);
    const posting = handler.createIfUnclaimed("### queued");
    await new Promise((r) => setTimeout(r, 50));
    const worker = new RunStatusComment(await installationOctokit(privateKey), store, target(runId), 20, 150);
    expect(await worker.write("### running", false)).toBeNull(); // still the handler's: skipped
    const final = worker.write("### done", true);
    expect(await posting).toBe(true);
    await final;
    expect(statusBodies()).toEqual([`${statusMarker(runId)}\n### done`]);
  });
});
