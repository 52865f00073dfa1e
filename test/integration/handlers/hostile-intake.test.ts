// Issue 12, hostile input at the webhook door, through the Probot app (GitHub stood in by the
// OpenAPI-checked recorder, jobs in a real Redis under a unique prefix):
// - the same event under fresh delivery ids (a replayed signed body) starts one run, not one per id;
// - an outsider's command costs at most one REST call to refuse (src/handlers/auth-cache.ts);
// - a 64 KB pathological comment is handled in milliseconds and never blocks the event loop.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Probot } from "probot";
import { AUTH_CACHE_TTL_MS, createAuthCaches } from "../../../src/handlers/auth-cache.js";
import { createBackground, type Background } from "../../../src/handlers/background.js";
import { createApp } from "../../../src/index.js";
import type { RunQueue } from "../../../src/queue/enqueue.js";
import type { RunJobData } from "../../../src/queue/job-schema.js";
import { createRunQueue } from "../../../src/queue/run-queue.js";
import { generateAppPrivateKey, mockGitHub, testOctokit, type GitHubMock } from "../../helpers/github-api.js";
import { deleteKeys, testStore } from "../../helpers/redis.js";
import { exampleOf, issueCommentPayload } from "../../helpers/webhook-payloads.js";

const OWNER = "Codertocat";
const REPO = "Hello-World";
const ROOMY = "limits:\n  maxConcurrentRuns: 100\n";
const CONFIG = "GET /repos/{owner}/{repo}/contents/{path}";
const PERMISSION = "GET /repos/{owner}/{repo}/collaborators/{username}/permission";

const store = testStore("hostile-intake");
const privateKey = generateAppPrivateKey();
let queue: RunQueue;
let gh: GitHubMock;
let probot: Probot;
let background: Background;
let nextId = 7_000_000;

beforeAll(() => {
  queue = createRunQueue(store.redis, store.prefix);
});

beforeEach(async () => {
  await deleteKeys(store.redis, store.prefix);
  gh = mockGitHub({
    owner: OWNER,
    repo: REPO,
    state: { permissions: { Codertocat: "admin", alice: "write" }, files: { ".github/maestro.yml": ROOMY } },
  });
  probot = new Probot({ appId: 1, privateKey, logLevel: "fatal", Octokit: testOctokit() });
  background = createBackground();
  await probot.load(createApp({ store, queue, background }));
});

afterEach(() => {
  const problems = gh.problems();
  gh.done();
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await queue.close();
  await store.close();
});

async function jobs(): Promise<RunJobData[]> {
  const list = await queue.getJobs(["waiting", "prioritized", "delayed", "active"]);
  return list.map((j) => j.data);
}

async function send(name: string, payload: Record<string, unknown>, id: string = randomUUID()) {
  try {
    await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
  } finally {
    await background.idle();
  }
}

function statusComments(): string[] {
  return gh
    .commentsOn(1)
    .filter((c) => c.body.includes("<!-- maestro:run:"))
    .map((c) => c.body);
}

function replies(): string[] {
  return gh
    .commentsOn(1)
    .filter((c) => !c.body.includes("<!-- maestro:run:"))
    .map((c) => c.body);
}

/** An issue comment from `sender`, with the payload's author_association and repository owner type. */
function commentPayload(
  body: string,
  opts: {
    sender?: string;
    association?: string;
    ownerType?: "User" | "Organization";
    commentId?: number;
  } = {},
): Record<string, unknown> {
  const p = issueCommentPayload({
    body,
    commentId: opts.commentId ?? nextId++,
    ...(opts.sender ? { sender: opts.sender } : {}),
  });
  if (opts.association) (p.comment as { author_association: string }).author_association = opts.association;
  if (opts.ownerType) {
    const owner = (p.repository as { owner: { type: string } }).owner;
    owner.type = opts.ownerType;
  }
  return p;
}

/** REST calls made to decide who may trigger: reads of .github/maestro.yml and permission lookups. */
function decisionCalls(): { config: number; permission: number } {
  return {
    config: gh.requests.filter((r) => r.route === CONFIG && r.params.path === ".github/maestro.yml").length,
    permission: gh.requests.filter((r) => r.route === PERMISSION).length,
  };
}

describe("the same event under fresh delivery ids (a replayed signed body)", () => {
  it("a comment sent under 5 delivery ids at once, and again later, makes one job and one status comment", async () => {
    const payload = commentPayload("/maestro run fix-issue", {
      sender: "alice",
      association: "COLLABORATOR",
    });
    await Promise.all(
      Array.from({ length: 5 }, () => send("issue_comment", structuredClone(payload), randomUUID())),
    );
    await send("issue_comment", structuredClone(payload), randomUUID());
    expect(await jobs()).toHaveLength(1);
    expect(statusComments()).toHaveLength(1);
    expect(gh.state.reactions.filter((r) => r.content === "eyes")).toHaveLength(1);
    // A new comment with the same text is a new event: it runs.
    await send("issue_comment", commentPayload("/maestro run fix-issue", { sender: "alice" }));
    expect(await jobs()).toHaveLength(2);
  });

  it("a replayed cancel, help or refusal does nothing the second time", async () => {
    await send("issue_comment", commentPayload("/maestro run fix-issue", { sender: "alice" }));
    const help = commentPayload("/maestro help", { sender: "alice" });
    await send("issue_comment", structuredClone(help));
    await send("issue_comment", structuredClone(help));
    expect(replies()).toHaveLength(1);
    const cancel = commentPayload("/maestro cancel", { sender: "alice" });
    await send("issue_comment", structuredClone(cancel));
    await send("issue_comment", commentPayload("/maestro run fix-issue -- again", { sender: "alice" }));
    expect(await jobs()).toHaveLength(1);
    // The captured cancel, replayed: the new run is not cancelled.
    await send("issue_comment", structuredClone(cancel));
    expect(await jobs()).toHaveLength(1);
  });

  it("a maestro: label event and a review sent again under new delivery ids run once each", async () => {
    const labeled = exampleOf("issues", "labeled");
    (labeled.label as { name: string }).name = "maestro:add-tests";
    for (let i = 0; i < 3; i++) await send("issues", structuredClone(labeled), randomUUID());
    expect(await jobs()).toHaveLength(1);
    // The label removed and added again later: the issue's updated_at moved, a new event, a new run.
    (labeled.issue as { updated_at: string }).updated_at = "2019-05-15T16:00:00Z";
    await send("issues", structuredClone(labeled), randomUUID());
    expect(await jobs()).toHaveLength(2);

    // A review asking for a follow-up run on a Maestro PR.
    const review = exampleOf("pull_request_review", "submitted");
    (review.review as { body: string }).body = "/maestro run fix-issue";
    (review.pull_request as { head: { ref: string } }).head.ref = "maestro/1-fix-issue-rabcdef12";
    gh.state.reviewComments[(review.review as { id: number }).id] = [];
    for (let i = 0; i < 3; i++) await send("pull_request_review", structuredClone(review), randomUUID());
    expect(await jobs()).toHaveLength(3);
  });

  it("a failure gives the event claim back: the next delivery of the event, under any id, runs it once", async () => {
    gh.state.failures.push({ route: PERMISSION, status: 502, times: 1 });
    const payload = commentPayload("/maestro run fix-issue", {
      sender: "alice",
      association: "COLLABORATOR",
    });
    const first = await send("issue_comment", structuredClone(payload)).then(
      () => "resolved",
      (e: unknown) => String(e),
    );
    expect(first).not.toBe("resolved");
    expect(await jobs()).toEqual([]);
    await send("issue_comment", structuredClone(payload));
    await send("issue_comment", structuredClone(payload));
    expect(await jobs()).toHaveLength(1);
    expect(statusComments()).toHaveLength(1);
  });
});

describe("what an outsider's command costs", () => {
  it("in a user's repository: 5 commands from a stranger cost one config read, no permission lookup, one reply and one 😕", async () => {
    for (let i = 0; i < 5; i++)
      await send(
        "issue_comment",
        commentPayload(`/maestro run fix-issue -- try ${i}`, {
          sender: "stranger",
          association: "NONE",
          ownerType: "User",
        }),
      );
    expect(await jobs()).toEqual([]);
    expect(decisionCalls()).toEqual({ config: 1, permission: 0 });
    // What DESIGN §4 requires of a refusal, once: a reply that says why, and a 😕.
    expect(replies()).toHaveLength(1);
    expect(replies()[0]).toContain("`read` permission");
    expect(gh.state.reactions.map((r) => r.content)).toEqual(["confused"]);
    // Every other kind of outsider the payload names: no lookup either.
    for (const association of ["FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "CONTRIBUTOR", "MANNEQUIN"])
      await send(
        "issue_comment",
        commentPayload("/maestro help", { sender: `x-${association}`, association, ownerType: "User" }),
      );
    expect(decisionCalls()).toEqual({ config: 1, permission: 0 });
  });

  it("in an organization's repository: the permission is looked up (a private member is sent as CONTRIBUTOR), once a minute per sender", async () => {
    const org = { ownerType: "Organization" as const, association: "CONTRIBUTOR" };
    for (let i = 0; i < 5; i++)
      await send(
        "issue_comment",
        commentPayload(`/maestro run fix-issue -- ${i}`, { sender: "stranger", ...org }),
      );
    expect(await jobs()).toEqual([]);
    expect(decisionCalls()).toEqual({ config: 1, permission: 1 });
    // Each new outsider: the lookup only.
    await send("issue_comment", commentPayload("/maestro help", { sender: "other", ...org }));
    expect(decisionCalls()).toEqual({ config: 1, permission: 2 });
    // A private member with write access through a team, sent as CONTRIBUTOR: runs.
    gh.state.permissions["hidden-member"] = "write";
    await send(
      "issue_comment",
      commentPayload("/maestro run fix-issue", { sender: "hidden-member", ...org }),
    );
    expect(await jobs()).toHaveLength(1);
  });

  it("cached answers only refuse: a maintainer is looked up on every command; a grant waits at most a minute", async () => {
    let now = 1_000_000;
    probot = new Probot({ appId: 1, privateKey, logLevel: "fatal", Octokit: testOctokit() });
    await probot.load(
      createApp({ store, queue, background, authCaches: createAuthCaches({ now: () => now }) }),
    );
    for (let i = 0; i < 3; i++)
      await send(
        "issue_comment",
        commentPayload(`/maestro run fix-issue -- ${i}`, { sender: "alice", association: "COLLABORATOR" }),
      );
    expect(await jobs()).toHaveLength(3);
    expect(decisionCalls()).toEqual({ config: 3, permission: 3 });
    // A stranger is refused; added to allowUsers, they are refused until the cached config is a minute
    // old (a cached answer never lets anyone in, and a refusal may be that late), then let in.
    const stranger = { sender: "stranger", association: "NONE", ownerType: "User" as const };
    await send("issue_comment", commentPayload("/maestro help", stranger));
    gh.state.files[".github/maestro.yml"] = `${ROOMY}permissions:\n  allowUsers: [stranger]\n`;
    await send("issue_comment", commentPayload("/maestro run fix-issue", stranger));
    expect(await jobs()).toHaveLength(3);
    now += AUTH_CACHE_TTL_MS;
    await send("issue_comment", commentPayload("/maestro run fix-issue", stranger));
    expect(await jobs()).toHaveLength(4);
    // Put in denyUsers, alice is refused at once: the config is read again for anyone it would let in.
    gh.state.files[".github/maestro.yml"] = `${ROOMY}permissions:\n  denyUsers: [alice]\n`;
    await send("issue_comment", commentPayload("/maestro run fix-issue", { sender: "alice" }));
    expect(await jobs()).toHaveLength(4);
    expect(replies().at(-1)).toContain("denyUsers");
    // With a lower minimum (once the cached config is stale) the association decides nothing: the
    // lookup is made.
    gh.state.files[".github/maestro.yml"] = `${ROOMY}permissions:\n  minimum: read\n`;
    gh.state.permissions["reader"] = "read";
    now += AUTH_CACHE_TTL_MS;
    await send(
      "issue_comment",
      commentPayload("/maestro run fix-issue", { sender: "reader", association: "NONE", ownerType: "User" }),
    );
    expect(await jobs()).toHaveLength(5);
  });
});

describe("one comment cannot stall the server", () => {
  const K = 64 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(K / unit.length)).slice(0, K);
  const bodies: [string, string][] = [
    ["> nesting", `/maestro help\n${fill(">")}`],
    ["*a emphasis", `/maestro help\n${fill("*a")}`],
    ["` runs", `/maestro help\n${fill("`a")}`],
    ["nested lists and blank lines", `/maestro help\n${"- ".repeat(2000)}x${"\n".repeat(K - 4002)}`],
    ["a command on every line", fill("/maestro help\n")],
  ];

  it.each(bodies)(
    "a 64 KB comment of %s is answered within milliseconds, the event loop never blocked",
    async (_what, body) => {
      expect(body.length).toBeGreaterThanOrEqual(K);
      // Warm up the path (JIT, token, config) with a small command first.
      await send("issue_comment", commentPayload("/maestro status", { sender: "alice" }));
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const t0 = performance.now();
      await send("issue_comment", commentPayload(body, { sender: "alice" }));
      const ms = performance.now() - t0;
      delay.disable();
      // Before: 9–19 s in the Markdown parser alone, blocking everything.
      expect(ms).toBeLessThan(1000);
      expect(delay.max / 1e6).toBeLessThan(200);
      const last = replies().at(-1)!;
      expect(last).toContain("Maestro commands");
      expect(last.length).toBeLessThanOrEqual(65_536);
    },
  );

  it("thousands of command lines: five are read, the rest skipped in one line of the reply", async () => {
    await send("issue_comment", commentPayload(fill("/maestro help\n"), { sender: "alice" }));
    const reply = replies().at(-1)!;
    expect(reply.match(/### Maestro commands/g)).toHaveLength(5);
    expect(reply).toContain("`/maestro help` and the 4675 after it: skipped (4676 more commands than the 5");
    expect(reply.length).toBeLessThan(30_000);
  });

  it("a 64 KB `/maestro fix` text is queued in milliseconds: the task line takes its start, the run's text all of it", async () => {
    gh.state.pulls[1] = { number: 1, headRef: "maestro/7-fix-issue-r1234567", baseRef: "main" };
    await send("issue_comment", commentPayload("/maestro status", { sender: "alice" }));
    const text = fill("*a").slice(0, K - 100);
    const payload = issueCommentPayload({
      body: `/maestro fix ${text}`,
      sender: "alice",
      onPull: true,
      commentId: nextId++,
    });
    const t0 = performance.now();
    await send("issue_comment", payload);
    expect(performance.now() - t0).toBeLessThan(1000);
    const [job] = await jobs();
    expect(job!.args).toBe(text);
    const task = job!.playbook.source.split("\n").find((l) => l.startsWith("- [ ] "))!;
    expect(task.length).toBeLessThan(1100);
    expect(task).toContain("(the whole request is in the run's arguments)");
  });
});
