// One store follower per run per process, shared by every live page open on that run (issue 14 §2): fifty people
// watching one run cost serve one Redis connection and one read of each event, not fifty (bench/run-page-viewers.ts).
// A page that joins late first reads, page by page, what the shared follower had already passed on, then takes the
// follower's events; ids below its position are skipped, so it sees every event once, in order. A page that cannot
// keep up (its socket full while its backlog grows past maxBacklog) is dropped: it reconnects and reads again.
import type { RunLogStore, StoredRunEvent } from "./store.js";

/** Events one subscriber may have waiting before it is dropped. */
export const DEFAULT_MAX_BACKLOG = 5000;
const PAGE = 1000;

/** The subscriber fell too far behind the run: it should start again from its last id. */
export class RunFollowBacklogError extends Error {
  constructor(limit: number) {
    super(`live run-log reader fell ${limit} events behind; reconnect to read on from the last one`);
    this.name = "RunFollowBacklogError";
  }
}

interface Subscriber {
  queue: StoredRunEvent[];
  wake?: () => void;
  overflow: boolean;
}

class Channel {
  /** The last position the follower passed on (or where it started). */
  pos: string | undefined;
  readonly subs = new Set<Subscriber>();
  ended = false;
  error: unknown;
  private readonly aborter = new AbortController();

  constructor(
    private readonly store: RunLogStore,
    private readonly runId: string,
    start: string | undefined,
    private readonly maxBacklog: number,
    private readonly onEnd: (c: Channel) => void,
  ) {
    this.pos = start;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for await (const s of this.store.follow(this.runId, this.pos, this.aborter.signal)) {
        this.pos = s.id;
        for (const sub of this.subs) {
          if (sub.overflow) continue;
          sub.queue.push(s);
          if (sub.queue.length > this.maxBacklog) {
            sub.overflow = true;
            sub.queue = [];
          }
          sub.wake?.();
        }
      }
    } catch (err) {
      this.error = err;
    }
    this.close();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.aborter.abort();
    for (const sub of this.subs) sub.wake?.();
    this.onEnd(this);
  }
}

export class RunFollowHub {
  private readonly channels = new Map<string, Channel>();
  private readonly maxBacklog: number;

  constructor(
    private readonly store: RunLogStore,
    opts: { maxBacklog?: number } = {},
  ) {
    this.maxBacklog = opts.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  }

  /** Runs followed now (one store follower each). */
  get runsFollowed(): number {
    return this.channels.size;
  }

  /**
   * RunLogStore.follow's contract, shared: events after `after` as they are appended, until `signal` aborts.
   * Throws what the store's follower throws (RunLogFollowLimitError), or RunFollowBacklogError.
   */
  async *follow(
    runId: string,
    after: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<StoredRunEvent> {
    if (signal.aborted) return;
    let ch = this.channels.get(runId);
    if (!ch || ch.ended) {
      ch = new Channel(this.store, runId, after, this.maxBacklog, (c) => {
        if (this.channels.get(runId) === c) this.channels.delete(runId);
      });
      this.channels.set(runId, ch);
    }
    const channel = ch;
    const sub: Subscriber = { queue: [], overflow: false };
    channel.subs.add(sub);
    // From here on every event the follower passes on lands in sub.queue; what it passed on before, this reads.
    const joinedAt = channel.pos;
    const wake = () => sub.wake?.();
    signal.addEventListener("abort", wake, { once: true });
    let last = after;
    try {
      if (joinedAt !== undefined && (last === undefined || compareIds(joinedAt, last) > 0)) {
        for (let caughtUp = false; !caughtUp;) {
          const page = await this.store.read(runId, { ...(last ? { after: last } : {}), count: PAGE });
          for (const s of page) {
            if (compareIds(s.id, joinedAt) > 0) {
              caughtUp = true;
              break;
            }
            last = s.id;
            yield s;
            if (signal.aborted) return;
          }
          if (page.length < PAGE) caughtUp = true;
        }
      }
      for (;;) {
        if (sub.overflow) throw new RunFollowBacklogError(this.maxBacklog);
        const batch = sub.queue;
        sub.queue = [];
        for (const s of batch) {
          if (last !== undefined && compareIds(s.id, last) <= 0) continue;
          last = s.id;
          yield s;
          if (signal.aborted) return;
        }
        if (sub.queue.length > 0 || sub.overflow) continue;
        if (channel.ended) {
          if (channel.error !== undefined) throw channel.error;
          return;
        }
        if (signal.aborted) return;
        await new Promise<void>((resolve) => (sub.wake = resolve));
        sub.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", wake);
      channel.subs.delete(sub);
      // The last page of the run left: its follower (and Redis connection) goes too.
      if (channel.subs.size === 0) channel.close();
    }
  }
}

/** Orders store positions "<a>-<b>" (decimal, any length). */
export function compareIds(x: string, y: string): number {
  const [x1 = "", x2 = ""] = x.split("-");
  const [y1 = "", y2 = ""] = y.split("-");
  return compareDecimal(x1, y1) || compareDecimal(x2, y2);
}

function compareDecimal(a: string, b: string): number {
  const p = a.replace(/^0+(?=\d)/, "");
  const q = b.replace(/^0+(?=\d)/, "");
  if (p.length !== q.length) return p.length - q.length;
  return p < q ? -1 : p > q ? 1 : 0;
}
