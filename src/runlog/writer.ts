// JSONL run-log writer (DESIGN §7): stamps, redacts, truncates, validates, then appends one line
// with a synchronous write, so a kill -9 loses at most the line being written.
import fs from "node:fs";
import path from "node:path";
import { redactDeep, type Redactor } from "../security/redact.js";
import { runEventSchema, type RunEvent, type RunEventInput } from "./events.js";
import { truncateHead, truncateTail } from "./truncate.js";

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

export class RunLogWriter {
  readonly path: string;
  readonly runId: string;
  private fd: number | null;
  private nextSeq: number;
  private readonly redact: Redactor;
  private readonly max: number;
  private readonly onEvent?: (e: RunEvent) => void;

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
    const event = parsed.data;
    fs.writeSync(this.fd, JSON.stringify(event) + "\n");
    this.nextSeq += 1;
    this.onEvent?.(event);
    return event;
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
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
