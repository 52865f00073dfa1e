// Runs one agent session: allowlisted env, managed process group, stream parser, and the outcome mapping shared by all adapters.
import { buildChildEnv } from "../security/child-env.js";
import { runManagedProcess, type ManagedProcessResult } from "./process.js";
import type { StreamParser, StreamParserResult } from "./parsers/stream-parser.js";
import { classifyError } from "./parsers/stream-parser.js";
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

/** Maps a finished process and its parsed stream to an AgentResult: cancelled > timeout > spawn error > failure > ok. */
export function toAgentResult(
  name: AgentName,
  proc: ManagedProcessResult,
  parsed: StreamParserResult,
  timeoutMs: number,
): AgentResult {
  const common = {
    exitCode: proc.exitCode,
    usage: parsed.usage,
    ...(parsed.summary !== undefined ? { summary: parsed.summary } : {}),
  };
  if (proc.cancelled)
    return { ...common, status: "cancelled", error: `${name} was cancelled; its process group was killed` };
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
  const spec = {
    command: invocation.command,
    args: invocation.args,
    env: buildChildEnv(opts.baseEnv, name, invocation.env),
  };
  if (opts.sandbox) await opts.sandbox.refreshGit();
  const { command, args, env } = opts.sandbox ? opts.sandbox.wrap(spec) : spec;
  const proc = await runManagedProcess({
    command,
    args,
    cwd: opts.cwd,
    env,
    ...(invocation.stdin !== undefined ? { stdin: invocation.stdin } : {}),
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
    onStdoutLine: (line) => emit(parser.push(line)),
  });
  return toAgentResult(name, proc, parser.finish(), opts.timeoutMs);
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
