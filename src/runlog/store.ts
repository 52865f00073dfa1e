// Where run logs live so every `serve` and `worker` process sees the same one (issue 14): the contract the
// Redis Streams store implements and the routes (JSONL download, live run page, its event stream) read.

import type { RunEvent } from "./events.js";

/** One stored event and its position in the store: opaque to readers (RedisRunLogStore's stream ids are "1-<seq>"). */
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
  /**
   * Where the run's stored log ends, in one call (optional; RedisRunLogStore has it): what a writer resuming
   * the run on another host needs (its seq, the bytes the store already holds against MAESTRO_RUN_LOG_MAX_MB),
   * and whether the store stopped taking the run's events (its last event is a `log.truncated`).
   */
  tail?(runId: string): Promise<RunLogTail>;
}

export interface RunLogTail {
  /** The last stored seq, -1 when there is none. */
  seq: number;
  /** Bytes of JSONL the store holds for the run (each line with its newline). */
  bytes: number;
  /** The last stored event is a `log.truncated`: the store takes no more of this run's events. */
  truncated: boolean;
}
