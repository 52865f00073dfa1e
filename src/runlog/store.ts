// Where run logs live so every `serve` and `worker` process sees the same one (issue 14): the contract the
// Redis Streams store implements and the routes (JSONL download, live run page, its event stream) read.

import type { RunEvent } from "./events.js";

/** One stored event and its position in the store (a Redis stream id such as "1733353200000-0"). */
export interface StoredRunEvent {
  id: string;
  event: RunEvent;
}

export interface RunLogStore {
  /** Appends events (already stamped, redacted and validated by RunLogWriter), in order. */
  append(runId: string, events: RunEvent[]): Promise<void>;
  /** Events after position `after` (exclusive; absent: from the start), at most `count`, in order. */
  read(runId: string, opts?: { after?: string; count?: number }): Promise<StoredRunEvent[]>;
  /**
   * Events after `after` as they are appended, until `signal` aborts (a live page's stream). Yields what is
   * already there first; blocks (without polling) for more.
   */
  follow(runId: string, after: string | undefined, signal: AbortSignal): AsyncIterable<StoredRunEvent>;
  /** The seq of the last event stored for the run, or -1 when there is none (a resumed run continues after it). */
  lastSeq(runId: string): Promise<number>;
  /** Whether the store has (unexpired) events of the run. */
  exists(runId: string): Promise<boolean>;
}
