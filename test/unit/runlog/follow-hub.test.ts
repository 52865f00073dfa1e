import { describe, expect, it } from "@jest/globals";
import type { RunEvent } from "../../../src/runlog/events.js";
import { compareIds, RunFollowBacklogError, RunFollowHub } from "../../../src/runlog/follow-hub.js";
import type { RunLogStore, StoredRunEvent } from "../../../src/runlog/store.js";

/** An in-memory store whose follow() wakes on append; counts followers. */
class MemoryStore implements RunLogStore {
  readonly entries: StoredRunEvent[] = [];
  followers = 0;
  followsStarted = 0;
  private wakers: (() => void)[] = [];

  async append(runId: string, events: RunEvent[]): Promise<void> {
    for (const e of events) this.entries.push({ id: `1-${e.seq}`, event: e });
    for (const w of this.wakers.splice(0)) w();
  }
  async read(_runId: string, opts: { after?: string; count?: number } = {}): Promise<StoredRunEvent[]> {
    const from = opts.after ? this.entries.filter((s) => compareIds(s.id, opts.after!) > 0) : this.entries;
    return from.slice(0, opts.count ?? Infinity);
  }
  async *follow(
    runId: string,
    after: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<StoredRunEvent> {
    this.followers++;
    this.followsStarted++;
    let last = after;
    try {
      while (!signal.aborted) {
        const page = await this.read(runId, last ? { after: last } : {});
        for (const s of page) {
          last = s.id;
          yield s;
        }
        if (page.length === 0)
          await new Promise<void>((r) => {
            this.wakers.push(r);
            signal.addEventListener("abort", () => r(), { once: true });
          });
      }
    } finally {
      this.followers--;
    }
  }
  async lastSeq(): Promise<number> {
    return this.entries.length - 1;
  }
  async exists(): Promise<boolean> {
    return this.entries.length > 0;
  }
}

const ev = (seq: number) =>
  ({
    v: 1,
    ts: "2026-11-25T10:00:00.000Z",
    runId: "r1",
    seq,
    type: "task.started",
    index: 0,
    text: `${seq}`,
  }) as RunEvent;

async function take(it: AsyncIterator<StoredRunEvent>, n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value.event.seq);
  }
  return out;
}

describe("RunFollowHub", () => {
  it("orders store positions numerically", () => {
    expect(compareIds("1-10", "1-9")).toBeGreaterThan(0);
    expect(compareIds("2-0", "1-99")).toBeGreaterThan(0);
    expect(compareIds("1-007", "1-7")).toBe(0);
    expect(compareIds("1733353200000-0", "1733353200000-1")).toBeLessThan(0);
  });

  it("one follower for many readers; a late reader catches up from reads, then shares it", async () => {
    const store = new MemoryStore();
    const hub = new RunFollowHub(store);
    await store.append("r1", [ev(0), ev(1)]);
    const ac = new AbortController();
    const a = hub.follow("r1", undefined, ac.signal)[Symbol.asyncIterator]();
    expect(await take(a, 2)).toEqual([0, 1]);
    await store.append("r1", [ev(2), ev(3)]);
    expect(await take(a, 2)).toEqual([2, 3]);
    // Joins after the follower passed 0..3 on: 1..3 come from reads, 4.. from the follower.
    const b = hub.follow("r1", "1-0", ac.signal)[Symbol.asyncIterator]();
    const bFirst = take(b, 3);
    await store.append("r1", [ev(4)]);
    expect(await bFirst).toEqual([1, 2, 3]);
    expect(await take(b, 1)).toEqual([4]);
    expect(await take(a, 1)).toEqual([4]);
    expect(store.followsStarted).toBe(1);
    expect(hub.runsFollowed).toBe(1);
    ac.abort();
    await a.return?.();
    await b.return?.();
    expect(hub.runsFollowed).toBe(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(store.followers).toBe(0);
  });

  it("drops a reader that lets too many events wait, so it can start again from its last id", async () => {
    const store = new MemoryStore();
    const hub = new RunFollowHub(store, { maxBacklog: 10 });
    await store.append("r1", [ev(0)]);
    const ac = new AbortController();
    const fast = hub.follow("r1", undefined, ac.signal)[Symbol.asyncIterator]();
    const slow = hub.follow("r1", undefined, ac.signal)[Symbol.asyncIterator]();
    expect(await take(fast, 1)).toEqual([0]);
    expect(await take(slow, 1)).toEqual([0]);
    const pending = take(fast, 20);
    await store.append(
      "r1",
      Array.from({ length: 20 }, (_, i) => ev(i + 1)),
    );
    expect(await pending).toHaveLength(20);
    await expect(slow.next()).rejects.toBeInstanceOf(RunFollowBacklogError);
    ac.abort();
    await fast.return?.();
  });
});
