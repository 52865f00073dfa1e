// A managed child process: own process group, line-split output, timeout/abort/stall that kills the whole
// group, and (with a session marker) every process of the session that left the group.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { killMarkedProcesses, signalMarkedProcesses } from "./session-processes.js";

export interface ManagedProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Written to stdin, then stdin is closed. Without it the child's stdin is /dev/null. */
  stdin?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL to the group. Default 3000. */
  killGraceMs?: number;
  /** Each stdout line. Returning `true` (exactly) marks it as activity for the stall watchdog (stallMs). */
  onStdoutLine?: (line: string) => unknown;
  /** Each stderr line; never activity (CLIs print retry noise there). */
  onStderrLine?: (line: string) => void;
  /**
   * Stall watchdog: no activity (a stdout line onStdoutLine returned `true` for) for this long since the
   * start or the last activity, and the group is stopped as on a timeout; the result says `stalled`.
   */
  stallMs?: number;
  /**
   * An env entry ("NAME=value", already in `env`) that only this session's processes carry. On
   * timeout/cancel/stall and when the child is done, every process carrying it is killed with its group,
   * whatever group or session it moved to (setsid, double fork). Linux (/proc); elsewhere only the group.
   */
  sessionMarker?: string;
  /** Characters of each stream's end kept for error reports. Default 8192. */
  tailBytes?: number;
}

export interface ManagedProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  /** Stopped by the stall watchdog (stallMs). */
  stalled: boolean;
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
  spawnError?: string;
}

/** How long to wait for stdio to close once the child is gone (a grandchild may hold the pipe). */
const CLOSE_GRACE_MS = 1000;
/** Longest line handed on whole (Claude Code's tool results can be megabytes on one line). */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** Sends `signal` to the whole process group led by `pid`. Returns false when the group is already gone. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = "SIGKILL"): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Env var naming the binary override for a command, for the not-found message. */
function binEnvHint(command: string): string {
  const base = command.split("/").pop() ?? command;
  const known: Record<string, string> = {
    claude: "MAESTRO_CLAUDE_CODE_BIN",
    codex: "MAESTRO_CODEX_BIN",
    opencode: "MAESTRO_OPENCODE_BIN",
    gemini: "MAESTRO_GEMINI_BIN",
  };
  return known[base] ?? "MAESTRO_<AGENT>_BIN";
}

class Tail {
  private text = "";
  constructor(private readonly max: number) {}
  add(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  value(): string {
    return this.text.length > this.max ? this.text.slice(-this.max) : this.text;
  }
}

/** Feeds a byte stream to `onLine` one line at a time (utf8-safe, CRLF tolerant, last line without newline flushed). */
function lineReader(stream: Readable, tail: Tail, onLine?: (line: string) => unknown): void {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const emit = (line: string): void => {
    if (!onLine) return;
    try {
      onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    } catch {
      // a consumer bug must not kill the reader: the process still has to be reaped
    }
  };
  const take = (text: string): void => {
    tail.add(text);
    pending += text;
    let nl = pending.indexOf("\n");
    while (nl !== -1) {
      emit(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
    }
    // output that never ends a line must not grow without bound: hand it on in pieces
    if (pending.length > MAX_LINE_CHARS) {
      emit(pending);
      pending = "";
    }
  };
  stream.on("data", (chunk: Buffer) => take(decoder.write(chunk)));
  const flush = (): void => {
    take(decoder.end());
    if (pending.length > 0) emit(pending);
    pending = "";
  };
  stream.once("end", flush);
  stream.once("close", () => {
    if (pending.length > 0) flush();
  });
}

/**
 * Spawns a child in its own process group and resolves once it has exited and its stdio closed.
 * Never rejects: a missing binary resolves with `spawnError`.
 */
export function runManagedProcess(opts: ManagedProcessOptions): Promise<ManagedProcessResult> {
  const started = performance.now();
  const killGraceMs = opts.killGraceMs ?? 3000;
  const tailBytes = opts.tailBytes ?? 8192;
  const stdoutTail = new Tail(tailBytes);
  const stderrTail = new Tail(tailBytes);

  const result = (extra: Partial<ManagedProcessResult>): ManagedProcessResult => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    stalled: false,
    stdoutTail: stdoutTail.value(),
    stderrTail: stderrTail.value(),
    durationMs: Math.round(performance.now() - started),
    ...extra,
  });

  if (opts.signal?.aborted) return Promise.resolve(result({ cancelled: true }));
  if (!existsSync(opts.cwd)) {
    return Promise.resolve(result({ spawnError: `working directory '${opts.cwd}' does not exist` }));
  }

  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        env: opts.env,
        detached: true,
        stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
    } catch (err) {
      resolve(result({ spawnError: `could not start '${opts.command}': ${(err as Error).message}` }));
      return;
    }

    let settled = false;
    let timedOut = false;
    let cancelled = false;
    let stalled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let spawnError: string | undefined;
    let exited = false;
    const timers: NodeJS.Timeout[] = [];
    const pid = child.pid;
    const marker = opts.sessionMarker;

    const finish = (): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener("abort", onAbort);
      // Orphans left in the group (e.g. `daemon &` with its output redirected) must not outlive the task,
      // nor those that left it (setsid, double fork): they carry the session marker.
      if (pid !== undefined) killProcessGroup(pid, "SIGKILL");
      const done = (): void =>
        resolve(
          result({
            exitCode,
            signal: exitSignal,
            timedOut,
            cancelled,
            stalled,
            ...(spawnError !== undefined ? { spawnError } : {}),
          }),
        );
      if (marker === undefined || pid === undefined) done();
      else void killMarkedProcesses(marker).then(done, done);
    };

    const forceClose = (): void => {
      if (pid !== undefined) killProcessGroup(pid, "SIGKILL");
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
      finish();
    };

    let terminating = false;
    const terminate = (): void => {
      if (terminating || pid === undefined) return;
      terminating = true;
      killProcessGroup(pid, "SIGTERM");
      if (marker !== undefined) signalMarkedProcesses(marker, "SIGTERM");
      timers.push(
        setTimeout(() => {
          killProcessGroup(pid, "SIGKILL");
          if (marker !== undefined) signalMarkedProcesses(marker, "SIGKILL");
          timers.push(setTimeout(forceClose, CLOSE_GRACE_MS));
        }, killGraceMs),
      );
    };

    function onAbort(): void {
      if (settled || timedOut || stalled || exited) return;
      cancelled = true;
      terminate();
    }

    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") {
        spawnError = `agent binary '${opts.command}' not found on PATH; install it or set ${binEnvHint(opts.command)}`;
      } else if (err.code === "EACCES") {
        spawnError = `agent binary '${opts.command}' is not executable (EACCES); check its permissions or set ${binEnvHint(opts.command)}`;
      } else {
        spawnError = `could not start '${opts.command}': ${err.message}`;
      }
      if (pid === undefined) finish();
    });

    if (pid === undefined) return; // the 'error' event follows

    let lastActivity = performance.now();
    lineReader(child.stdout!, stdoutTail, (line) => {
      if (opts.onStdoutLine?.(line) === true) lastActivity = performance.now();
    });
    lineReader(child.stderr!, stderrTail, opts.onStderrLine);

    if (child.stdin) {
      child.stdin.on("error", () => {
        // EPIPE: the child did not read its stdin; its exit status tells the story
      });
      child.stdin.end(opts.stdin);
    }

    child.on("exit", (code, sig) => {
      exited = true;
      exitCode = code;
      exitSignal = sig;
      // stdio normally closes right after; a grandchild holding the pipe must not hang us
      timers.push(setTimeout(forceClose, CLOSE_GRACE_MS));
    });
    child.on("close", (code, sig) => {
      if (exitCode === null && exitSignal === null) {
        exitCode = code;
        exitSignal = sig as NodeJS.Signals | null;
      }
      finish();
    });

    timers.push(
      setTimeout(() => {
        if (settled || cancelled || stalled || exited) return;
        timedOut = true;
        terminate();
      }, opts.timeoutMs),
    );
    const stallMs = opts.stallMs;
    if (stallMs !== undefined && stallMs > 0) {
      // one timer per quiet period, re-armed for what is left of it (no timer reset on every line)
      const check = (): void => {
        if (settled || cancelled || timedOut || exited) return;
        const idle = performance.now() - lastActivity;
        if (idle >= stallMs) {
          stalled = true;
          terminate();
        } else {
          timers.push(setTimeout(check, stallMs - idle));
        }
      };
      timers.push(setTimeout(check, stallMs));
    }
    opts.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
