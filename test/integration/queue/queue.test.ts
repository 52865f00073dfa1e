// Against the real Redis at 127.0.0.1:6379, under a unique prefix.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  addCost,
  activeRunCount,
  acquireRunSlot,
  checkDailyBudget,
  markRunInactive,
  spentToday,
} from "../../../src/queue/budget.js";
import { isCancelRequested, requestCancel, subscribeCancels } from "../../../src/queue/cancel.js";
import { claimDelivery, enqueueRun, releaseDelivery, type RunQueue } from "../../../src/queue/enqueue.js";
import { runIdForDelivery, type RunJobData } from "../../../src/queue/job-schema.js";
import { createRunQueue } from "../../../src/queue/run-queue.js";
import { getRun, listIssueRuns, recordRun, setRunState } from "../../../src/queue/runs-index.js";
import { testStore } from "../../helpers/redis.js";

const store = testStore("queue");
let queue: RunQueue;

beforeAll(() => {
  queue = createRunQueue(store.redis, store.prefix);
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await store.close();
});

function job(runId: string, over: Partial<RunJobData> = {}): RunJobData {
  return {
    runId,
    repo: { owner: "octo", name: "demo" },
    installationId: 7,
    issueNumber: 3,
    isPullRequest: false,
    playbook: { name: "fix-issue", origin: "builtin", source: "- [ ] do it\n" },
    trigger: { kind: "comment", actor: "alice" },
    requestedAt: new Date().toISOString(),
    ...over,
  };
}

describe("enqueueRun", () => {
  it("the same delivery enqueued 10 times (concurrently) makes exactly one job", async () => {
    const delivery = "11111111-2222-3333-4444-555555555555";
    const runId = runIdForDelivery(delivery);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => enqueueRun(queue, job(runId), { deliveryId: delivery })),
    );
    const counts = await queue.getJobCounts("waiting", "delayed", "prioritized", "active");
    expect(counts.waiting).toBe(1);
    expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
    expect(new Set(results.map((r) => r.jobId))).toEqual(new Set([runId]));
    const again = await enqueueRun(queue, job(runId), { deliveryId: delivery });
    expect(again.created).toBe(false);
    const stored = await queue.getJob(runId);
    expect(stored?.data.runId).toBe(runId);
    // Infrastructure failures are retried with backoff; the run resumes from its pushed commits.
    expect(stored?.opts.attempts).toBe(3);
    expect(stored?.opts.backoff).toEqual({ type: "exponential", delay: 5000 });
    await stored?.remove();
  });

  it("refuses job data that fails the schema (e.g. with a token)", async () => {
    await expect(
      enqueueRun(queue, { ...job("rbad"), token: "ghs_x" } as RunJobData, { deliveryId: "d" }),
    ).rejects.toThrow();
    expect(await queue.getJob("rbad")).toBeUndefined();
  });

  it("claimDelivery lets exactly one of 10 concurrent claimants through; release re-opens it", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => claimDelivery(store, "dlv-claim")));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claimDelivery(store, "dlv-claim")).toBe(false);
    await releaseDelivery(store, "dlv-claim");
    expect(await claimDelivery(store, "dlv-claim")).toBe(true);
  });
});

describe("cancel", () => {
  it("removes a queued job, sets the flag and notifies a subscriber", async () => {
    const seen: string[] = [];
    const unsubscribe = await subscribeCancels(store, (id) => seen.push(id));
    await enqueueRun(queue, job("rcancel1"), { deliveryId: "x" });
    expect(await queue.getJob("rcancel1")).toBeDefined();
    const r = await requestCancel(store, "rcancel1", { queue });
    expect(r.removed).toBe(true);
    expect(r.notified).toBeGreaterThanOrEqual(1);
    expect(await queue.getJob("rcancel1")).toBeUndefined();
    expect(await isCancelRequested(store, "rcancel1")).toBe(true);
    for (let i = 0; i < 50 && !seen.includes("rcancel1"); i++)
      await new Promise((res) => setTimeout(res, 20));
    expect(seen).toContain("rcancel1");
    await unsubscribe();
  });

  it("a worker that subscribes late still sees the request through the key", async () => {
    await requestCancel(store, "rlate");
    expect(await isCancelRequested(store, "rlate")).toBe(true);
    expect(await isCancelRequested(store, "rnever")).toBe(false);
  });

  it("does not remove a job a worker has already taken (active)", async () => {
    await enqueueRun(queue, job("ractive"), { deliveryId: "y" });
    const { Worker } = await import("bullmq");
    const conn = store.redis.duplicate({ maxRetriesPerRequest: null });
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let worker!: { close(): Promise<void> };
    const started = new Promise<void>((resolve) => {
      worker = new Worker(
        queue.name,
        async () => {
          resolve();
          await hold;
        },
        { connection: conn, prefix: store.prefix },
      );
    });
    await started;
    const r = await requestCancel(store, "ractive", { queue });
    expect(r.removed).toBe(false);
    expect(await queue.getJob("ractive")).toBeDefined();
    expect(await isCancelRequested(store, "ractive")).toBe(true);
    release();
    await worker.close();
    await conn.quit();
  });
});

describe("runs index", () => {
  it("lists runs of an issue newest first and tracks state", async () => {
    const repo = { owner: "Octo", name: "Index" };
    await recordRun(
      store,
      { runId: "rix1", repo, issueNumber: 9, playbook: "a", actor: "alice" },
      new Date("2026-01-01T00:00:00Z"),
    );
    await recordRun(
      store,
      { runId: "rix2", repo, issueNumber: 9, playbook: "b", actor: "bob", resumeOf: "rix1" },
      new Date("2026-01-01T00:01:00Z"),
    );
    await recordRun(store, { runId: "rother", repo, issueNumber: 10, playbook: "c", actor: "bob" });
    expect(await setRunState(store, "rix1", "failed")).toBe(true);
    expect(await setRunState(store, "rnope", "failed")).toBe(false);
    const runs = await listIssueRuns(store, { owner: "octo", name: "index" }, 9);
    expect(runs.map((r) => [r.runId, r.state])).toEqual([
      ["rix2", "queued"],
      ["rix1", "failed"],
    ]);
    expect(runs[0]?.resumeOf).toBe("rix1");
    expect((await getRun(store, "rother"))?.issueNumber).toBe(10);
  });
});

describe("budget and slots", () => {
  const repo = { owner: "octo", name: "budget" };
  const day = new Date("2026-03-04T10:00:00Z");

  it("sums cost per UTC day and refuses when the daily budget is used up", async () => {
    expect(await checkDailyBudget(store, repo, 5, day)).toBeNull();
    await addCost(store, repo, 2.5, day);
    await addCost(store, repo, 2.6, day);
    expect(await spentToday(store, repo, day)).toBeCloseTo(5.1);
    expect(await spentToday(store, repo, new Date("2026-03-05T00:00:01Z"))).toBe(0);
    const refusal = await checkDailyBudget(store, repo, 5, day);
    expect(refusal).toContain("$5.10");
    expect(refusal).toContain("$5.00");
    expect(refusal).toContain("dailyBudgetUsd");
    await expect(addCost(store, repo, -1, day)).rejects.toThrow(/non-negative/);
  });

  it("gives maxConcurrentRuns slots, lets a holder take its own again, and ignores stale holders", async () => {
    const r2 = { owner: "octo", name: "conc" };
    const now = new Date("2026-03-04T10:00:00Z");
    const opts = { maxConcurrentRuns: 2, maxAgeMs: 24 * 3600_000, now };
    expect(await acquireRunSlot(store, r2, "ra", opts)).toEqual({ taken: true, running: 1 });
    expect(await acquireRunSlot(store, r2, "rb", opts)).toEqual({ taken: true, running: 2 });
    expect(await acquireRunSlot(store, r2, "rc", opts)).toEqual({ taken: false, running: 2 });
    // A resumed run (same id) keeps its slot.
    expect(await acquireRunSlot(store, r2, "rb", opts)).toEqual({ taken: true, running: 2 });
    await markRunInactive(store, r2, "rb");
    expect(await acquireRunSlot(store, r2, "rc", opts)).toEqual({ taken: true, running: 2 });
    expect(await activeRunCount(store, r2, 3600_000, now)).toBe(2);
    // Three days later the entries are stale (a dead worker) and no longer count.
    const later = { ...opts, now: new Date("2026-03-07T10:00:00Z") };
    expect(await acquireRunSlot(store, r2, "rd", later)).toEqual({ taken: true, running: 1 });
  });

  it("hands out exactly maxConcurrentRuns slots to concurrent callers", async () => {
    const r3 = { owner: "octo", name: "race" };
    const opts = { maxConcurrentRuns: 3, maxAgeMs: 3600_000 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => acquireRunSlot(store, r3, `race${i}`, opts)),
    );
    expect(results.filter((r) => r.taken)).toHaveLength(3);
  });
});
