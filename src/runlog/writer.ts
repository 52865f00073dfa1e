// JSONL run-log writer (DESIGN §7): stamps, redacts, truncates, validates, then appends one line
// with a synchronous write, so a kill -9 loses at most the line being written.
import fs from "node:fs";
import path from "node:path";
import { redactDeep, type Redactor } from "../security/redact.js";
import { runEventSchema, type RunEvent, type RunEventInput } from "./events.js";
import { parseRunLog } from "./read.js";
import type { RunLogStore, RunLogTail } from "./store.js";
import {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_STORE_CLOSE_TIMEOUT_MS,
  StoreQueue,
  type Overflow,
  type StoreQueueLog,
} from "./store-queue.js";
import { truncateHead, truncateTail } from "./truncate.js";
import { withTimeout } from "../helpers/with-timeout.js";

type ToolInput = Extract<RunEventInput, { type: "agent.tool" }>;
/** What producers hand in: a run event without v/ts/runId/seq; `agent.tool` input may be any JSON value. */
export type RunLogWriterInput = RunEventInput | (Omit<ToolInput, "input"> & { input?: unknown });

export interface RunLogWriterOptions {
  path: string;
  runId: string;
  redact?: Redactor;
  /** Cap for agent.message text, agent.tool input, task.verify outputTail and error fields. Default 4000. */
  maxTextLength?: number;
  onEvent?: (e: RunEvent) => void;
  /** Continue an existing log (seq goes on after its last event). Default false: start the file afresh. */
  append?: boolean;
}

export const DEFAULT_MAX_TEXT_LENGTH = 4000;

/** The shared store every host reads (issue 14): each event also goes there, in order, without the run waiting. */
export interface SharedRunLogOptions {
  store: RunLogStore;
  /** Bytes of the run's log the store may hold (MAESTRO_RUN_LOG_MAX_MB); past it one `log.truncated`, then the
   * local file only. Default: no limit. */
  maxBytes?: number;
  /** Bytes of events kept in memory while the store does not take them (an outage); past it one
   * `log.truncated`, then the local file only. Default 4 MiB. */
  maxPendingBytes?: number;
  /** How long close() waits for the store to take what is left, ms. Default 10000. */
  closeTimeoutMs?: number;
  /** How long openShared waits for the store to say where the log ends, ms; after it the log is not shared. Default 5000. */
  openTimeoutMs?: number;
  log?: StoreQueueLog;
}

export class RunLogWriter {
  readonly path: string;
  readonly runId: string;
  private fd: number | null;
  private nextSeq: number;
  private readonly redact: Redactor;
  private readonly max: number;
  private readonly onEvent?: (e: RunEvent) => void;
  private shared: StoreQueue | null = null;
  private closeTimeoutMs = DEFAULT_STORE_CLOSE_TIMEOUT_MS;
  private sharedLog?: StoreQueueLog;

  private constructor(opts: RunLogWriterOptions, fd: number, nextSeq: number) {
    this.path = opts.path;
    this.runId = opts.runId;
    this.fd = fd;
    this.nextSeq = nextSeq;
    this.redact = opts.redact ?? ((s) => s);
    this.max = opts.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
    this.onEvent = opts.onEvent;
  }

  static open(opts: RunLogWriterOptions): RunLogWriter {
    if (!opts.runId) throw new Error("RunLogWriter.open: runId is required");
    const max = opts.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
    if (!Number.isInteger(max) || max < 64) {
      throw new Error(`RunLogWriter.open: maxTextLength must be an integer ≥ 64, got ${String(max)}`);
    }
    fs.mkdirSync(path.dirname(opts.path), { recursive: true });
    let nextSeq = 0;
    let needsNewline = false;
    if (opts.append && fs.existsSync(opts.path)) {
      const text = fs.readFileSync(opts.path, "utf8");
      nextSeq = lastSeq(text) + 1;
      // A line cut short by a kill -9: start ours on a fresh line so it stays parseable.
      needsNewline = text.length > 0 && !text.endsWith("\n");
    } else if (!opts.append) {
      fs.writeFileSync(opts.path, "");
    }
    const fd = fs.openSync(opts.path, "a");
    if (needsNewline) fs.writeSync(fd, "\n");
    return new RunLogWriter(opts, fd, nextSeq);
  }

  /**
   * open(), and every event also goes to `shared.store`. The log continues the one the store holds (a run resumed on
   * another host, with no local file, goes on after the store's last seq, so the run keeps ONE log); events of the
   * local file the store lacks (an earlier outage on this host) are sent first. When the store does not answer within
   * openTimeoutMs, or already ends with a `log.truncated`, the log is written to the local file only (logged).
   */
  static async openShared(
    opts: RunLogWriterOptions & { shared?: SharedRunLogOptions },
  ): Promise<RunLogWriter> {
    const shared = opts.shared;
    if (!shared) return RunLogWriter.open(opts);
    const log = shared.log;
    let tail: RunLogTail | null = null;
    try {
      const ask = shared.store.tail
        ? shared.store.tail(opts.runId)
        : shared.store.lastSeq(opts.runId).then((seq) => ({ seq, bytes: 0, truncated: false }));
      tail = await withTimeout(ask, shared.openTimeoutMs ?? 5000);
    } catch (err) {
      log?.warn(
        { runId: opts.runId, err: err instanceof Error ? err.message : String(err) },
        "run log: the shared store did not say where the log ends; this attempt's log stays in the local file only",
      );
    }
    const writer = RunLogWriter.open(opts);
    writer.sharedLog = log;
    writer.closeTimeoutMs = shared.closeTimeoutMs ?? DEFAULT_STORE_CLOSE_TIMEOUT_MS;
    if (!tail) return writer;
    const localNext = writer.nextSeq;
    writer.nextSeq = Math.max(localNext, tail.seq + 1);
    if (tail.truncated) return writer;
    const queue = new StoreQueue({
      store: shared.store,
      runId: opts.runId,
      maxBytes: shared.maxBytes ?? Number.MAX_SAFE_INTEGER,
      storedBytes: tail.bytes,
      maxPendingBytes: shared.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
      ...(log ? { log } : {}),
    });
    writer.shared = queue;
    if (localNext > tail.seq + 1) {
      // This host wrote events the store never got (Redis was away when this host last ran the run): send them first.
      const { events } = parseRunLog(fs.readFileSync(opts.path, "utf8"));
      for (const e of events) {
        if (e.seq <= tail.seq) continue;
        const bytes = Buffer.byteLength(JSON.stringify(e)) + 1;
        const over = queue.overflow(bytes);
        if (over) {
          writer.markShared(over);
          break;
        }
        queue.push(e, bytes);
      }
    }
    return writer;
  }

  /** Whether events still go to the shared store. */
  get sharing(): boolean {
    return this.shared?.accepting ?? false;
  }

  /** Resolves true once the shared store has every event written so far (false after timeoutMs; true without a store). */
  flush(timeoutMs = this.closeTimeoutMs): Promise<boolean> {
    return this.shared ? this.shared.flush(timeoutMs) : Promise.resolve(true);
  }

  /** Stamp, redact, truncate, validate and append one event; returns the event as written. */
  write(input: RunLogWriterInput): RunEvent {
    if (this.fd === null) throw new Error(`RunLogWriter: write after close (${this.path})`);
    const raw: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    if (raw.type === "agent.tool" && raw.input !== undefined && typeof raw.input !== "string") {
      raw.input = safeStringify(raw.input);
    }
    const redacted = redactDeep(raw, this.redact);
    this.truncateFields(redacted);
    // Stamps come last so input can't override them; the schema puts keys back in order.
    const candidate = {
      ...redacted,
      v: 1,
      ts: new Date().toISOString(),
      runId: this.runId,
      seq: this.nextSeq,
      type: raw.type, // never rewritten by the redactor
    };
    const parsed = runEventSchema.safeParse(candidate);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join(".") || "(event)"}: ${i.message}`)
        .join("; ");
      throw new Error(`RunLogWriter: invalid ${String(raw.type)} event: ${issues}`);
    }
    let event = parsed.data;
    let line = JSON.stringify(event) + "\n";
    let bytes = Buffer.byteLength(line);
    const over = this.shared?.accepting ? this.shared.overflow(bytes) : null;
    if (over) {
      // The marker goes first (the store's last event), this event after it, to the local file only.
      this.markShared(over);
      event = { ...event, seq: this.nextSeq };
      line = JSON.stringify(event) + "\n";
      bytes = Buffer.byteLength(line);
    }
    fs.writeSync(this.fd, line);
    this.nextSeq += 1;
    this.shared?.push(event, bytes);
    this.onEvent?.(event);
    return event;
  }

  /** Writes `log.truncated` (local file and store) and stops sending to the store. */
  private markShared(reason: Overflow): void {
    const queue = this.shared!;
    const marker = runEventSchema.parse({
      v: 1,
      ts: new Date().toISOString(),
      runId: this.runId,
      seq: this.nextSeq,
      type: "log.truncated",
      reason,
      limitBytes: reason === "size_limit" ? queue.limits.maxBytes : queue.limits.maxPendingBytes,
      storedBytes: queue.storedOrSent,
    });
    const line = JSON.stringify(marker) + "\n";
    fs.writeSync(this.fd!, line);
    this.nextSeq += 1;
    // Past the limit by this one event, so the store says where it ends.
    queue.push(marker, Buffer.byteLength(line));
    queue.accepting = false;
    this.sharedLog?.warn(
      { runId: this.runId, reason, seq: marker.seq, storedBytes: queue.storedOrSent },
      reason === "size_limit"
        ? "run log: the run's log reached MAESTRO_RUN_LOG_MAX_MB; the rest is in the local file only"
        : "run log: the shared store has not taken events for too long; the rest is in the local file only",
    );
    this.onEvent?.(marker);
  }

  /**
   * Closes the local file at once (synchronously, as before the shared store); the promise resolves once the store
   * took what was still on its way, or after closeTimeoutMs (what is left is then dropped, logged). It never rejects.
   */
  close(): Promise<void> {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    const queue = this.shared;
    this.shared = null;
    return queue ? queue.close(this.closeTimeoutMs).catch(() => undefined) : Promise.resolve();
  }

  private truncateFields(e: Record<string, unknown>): void {
    const head = (k: string) => {
      if (typeof e[k] === "string") e[k] = truncateHead(e[k], this.max);
    };
    if (e.type === "agent.message") head("text");
    if (e.type === "agent.tool") head("input");
    if (e.type === "task.verify" && typeof e.outputTail === "string")
      e.outputTail = truncateTail(e.outputTail, this.max);
    head("error");
    if (e.type === "task.finished") head("summary");
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The seq of the last well-formed line, or -1. */
function lastSeq(text: string): number {
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      const obj = JSON.parse(line) as { seq?: unknown };
      if (typeof obj.seq === "number" && Number.isInteger(obj.seq)) return obj.seq;
    } catch {
      // truncated line: look further up
    }
  }
  return -1;
}
