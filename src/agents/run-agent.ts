// Runs one agent session: allowlisted env, managed process group, stream parser, and the outcome mapping shared by all adapters.
import { buildChildEnv } from "../security/child-env.js";
import { runManagedProcess, type ManagedProcessResult } from "./process.js";
import type { StreamParser, StreamParserResult } from "./parsers/stream-parser.js";
import { classifyError, quote } from "./parsers/stream-parser.js";
import { newSessionMarker } from "./session-processes.js";
import type {
  AgentErrorCode,
  AgentEvent,
  AgentInvocation,
  AgentName,
  AgentResult,
  AgentRunOptions,
} from "./types.js";

const ERROR_TAIL_CHARS = 1500;

function lastLines(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > ERROR_TAIL_CHARS ? `…${trimmed.slice(-ERROR_TAIL_CHARS)}` : trimmed;
}

function duration(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}

/** A rough duration for "… ago": 2.3 min, 45 s, 0.8 s. */
function roughDuration(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 6000) / 10} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** What the stall error says the session last did. */
export interface StallInfo {
  /** The watchdog's limit (AgentRunOptions.stallTimeoutMs). */
  stallTimeoutMs: number;
  /** The session's last event (other than usage when there was one) and how long ago it came; absent: none. */
  last?: { event: AgentEvent; agoMs: number };
}

/** One event, short: `a tool call: shell {"command":"npm test"}`, `a message: …` (≤ 200 chars quoted). */
export function describeEvent(event: AgentEvent): string {
  switch (event.kind) {
    case "tool": {
      let input = "";
      if (event.input !== undefined) {
        try {
          input = ` ${quote(JSON.stringify(event.input) ?? "")}`;
        } catch {
          input = " (input not serializable)";
        }
      }
      return `a tool call: ${quote(event.name)}${input}`;
    }
    case "message":
      return `a message: ${quote(event.text)}`;
    case "error":
      return `an error: ${quote(event.message)}`;
    case "usage":
      return "a usage report";
  }
}

/** The stalled session's error: how long it was quiet and what it last did. */
export function stallError(name: AgentName, stall: StallInfo): string {
  const head = `${name} stalled: no output for ${duration(stall.stallTimeoutMs)}`;
  if (!stall.last) return `${head}; nothing since it started`;
  return `${head}; its last activity, ${roughDuration(stall.last.agoMs)} ago, was ${describeEvent(stall.last.event)}`;
}

/**
 * Maps a finished process and its parsed stream to an AgentResult:
 * cancelled > stalled > timeout > spawn error > failure > ok.
 */
export function toAgentResult(
  name: AgentName,
  proc: ManagedProcessResult,
  parsed: StreamParserResult,
  timeoutMs: number,
  stall?: StallInfo,
): AgentResult {
  const common = {
    exitCode: proc.exitCode,
    usage: parsed.usage,
    ...(parsed.summary !== undefined ? { summary: parsed.summary } : {}),
  };
  if (proc.cancelled)
    return { ...common, status: "cancelled", error: `${name} was cancelled; its process group was killed` };
  if (proc.stalled) {
    return {
      ...common,
      status: "stalled",
      error: stall ? stallError(name, stall) : `${name} stalled; its process group was killed`,
    };
  }
  if (proc.timedOut) {
    return {
      ...common,
      status: "timeout",
      error: `${name} timed out after ${duration(timeoutMs)}; its process group was killed`,
    };
  }
  if (proc.spawnError !== undefined)
    return { ...common, status: "failed", error: proc.spawnError, errorCode: "not_found" };

  const exitedBadly = proc.exitCode !== 0;
  // the CLI's own diagnosis wins, unless it is only "no final line" and the process has more to say
  if (parsed.isError && parsed.errorCode !== "malformed_output" && parsed.error) {
    return { ...common, status: "failed", error: parsed.error, errorCode: parsed.errorCode ?? "other" };
  }
  if (exitedBadly) {
    const how =
      proc.exitCode !== null
        ? `exited with code ${proc.exitCode}`
        : `was killed by ${proc.signal ?? "a signal"}`;
    const tail = lastLines(proc.stderrTail) || lastLines(proc.stdoutTail);
    const errorCode: AgentErrorCode = tail ? classifyError(tail) : "other";
    return {
      ...common,
      status: "failed",
      error: tail ? `${name} ${how}: ${tail}` : `${name} ${how}`,
      errorCode,
    };
  }
  if (parsed.isError) {
    return {
      ...common,
      status: "failed",
      error: parsed.error ?? `${name} failed`,
      errorCode: parsed.errorCode ?? "other",
    };
  }
  return { ...common, status: "ok" };
}

/** Spawns `invocation` for `opts` and feeds its stdout to `parser`, forwarding events to opts.onEvent. */
export async function runAgentProcess(
  name: AgentName,
  invocation: AgentInvocation,
  parser: StreamParser,
  opts: AgentRunOptions,
): Promise<AgentResult> {
  let handlerFailed = false;
  const emit = (events: AgentEvent[]): void => {
    for (const e of events) {
      try {
        opts.onEvent(e);
      } catch (err) {
        // the session goes on (its process must still be reaped), but a broken handler must not go unnoticed
        if (!handlerFailed)
          process.emitWarning(
            `agent onEvent handler threw: ${(err as Error).message}`,
            "MaestroAgentWarning",
          );
        handlerFailed = true;
      }
    }
  };
  // Every process of the session carries the marker, whatever group or session it moves to: all of them
  // are killed when the session ends (session-processes.ts).
  const marker = newSessionMarker();
  const spec = {
    command: invocation.command,
    args: invocation.args,
    env: { ...buildChildEnv(opts.baseEnv, name, invocation.env), [marker.name]: marker.value },
  };
  if (opts.sandbox) await opts.sandbox.refreshGit();
  const { command, args, env } = opts.sandbox ? opts.sandbox.wrap(spec) : spec;
  // Every parsed event (message, tool call, usage, error) is activity for the stall watchdog; stderr and
  // stdout lines that parse to nothing are not. The error names the last event other than usage.
  let lastAt: number | undefined;
  let lastEvent: AgentEvent | undefined;
  const stallTimeoutMs = opts.stallTimeoutMs;
  const proc = await runManagedProcess({
    command,
    args,
    cwd: opts.cwd,
    env,
    ...(invocation.stdin !== undefined ? { stdin: invocation.stdin } : {}),
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
    ...(stallTimeoutMs !== undefined && stallTimeoutMs > 0 ? { stallMs: stallTimeoutMs } : {}),
    sessionMarker: marker.entry,
    onStdoutLine: (line) => {
      const events = parser.push(line);
      if (events.length === 0) return false;
      emit(events);
      const described = events.filter((e) => e.kind !== "usage").pop();
      if (described || lastEvent === undefined || lastEvent.kind === "usage") {
        lastEvent = described ?? events[events.length - 1];
        lastAt = performance.now();
      }
      return true;
    },
  });
  const stall: StallInfo | undefined =
    proc.stalled && stallTimeoutMs !== undefined
      ? {
          stallTimeoutMs,
          ...(lastEvent !== undefined && lastAt !== undefined
            ? { last: { event: lastEvent, agoMs: performance.now() - lastAt } }
            : {}),
        }
      : undefined;
  return toAgentResult(name, proc, parser.finish(), opts.timeoutMs, stall);
}

/** An AgentResult for input that never reached a process (bad options). */
export function failedBeforeStart(error: string): AgentResult {
  return {
    status: "failed",
    exitCode: null,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    error,
    errorCode: "other",
  };
}
