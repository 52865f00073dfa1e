// What `maestro run` prints: JSONL events, a live progress line on a TTY, or plain lines otherwise.
import type { RunEvent } from "../runlog/events.js";
import type { RunResult } from "../engine/types.js";

export interface RunOutput {
  event(e: RunEvent): void;
  finish(
    result: RunResult,
    info: { logPath: string; continuing: boolean; playbookArg: string; repoDir: string },
  ): void;
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export function createRunOutput(opts: {
  format: string;
  stdout: Stream;
  stderr: NodeJS.WritableStream;
  tasksTotal: number;
}): RunOutput {
  if (opts.format === "jsonl") return jsonlOutput(opts.stdout, opts.stderr);
  return textOutput(opts.stdout, opts.tasksTotal);
}

function jsonlOutput(stdout: Stream, stderr: NodeJS.WritableStream): RunOutput {
  return {
    event: (e) => stdout.write(JSON.stringify(e) + "\n"),
    // Humans read stderr; stdout stays pure JSONL for pipes.
    finish: (r, info) => stderr.write(finalLines(r, info).join("\n") + "\n"),
  };
}

function textOutput(stdout: Stream, tasksTotal: number): RunOutput {
  const tty = Boolean(stdout.isTTY);
  const startedAt = Date.now();
  let position = 0;
  let current = "";
  let costUsd = 0;
  let costBase = 0;
  let timer: NodeJS.Timeout | undefined;

  const status = (): string => {
    const elapsed = formatElapsed(Date.now() - startedAt);
    const width = Math.max(40, (stdout.columns ?? 100) - 1);
    const line = `[${position}/${tasksTotal}] ${elapsed}  $${costUsd.toFixed(4)}  ${current}`;
    return line.length > width ? line.slice(0, width - 1) + "…" : line;
  };
  const clear = (): void => {
    if (tty) stdout.write("\r\x1b[2K");
  };
  const print = (line: string): void => {
    clear();
    stdout.write(line + "\n");
    if (tty && timer) stdout.write(status());
  };

  return {
    event(e) {
      switch (e.type) {
        case "run.started":
          print(
            `maestro: running ${e.playbook} (${e.tasksTotal} task(s)) with ${e.agent} on branch ${e.branch}`,
          );
          if (tty) {
            timer = setInterval(() => {
              clear();
              stdout.write(status());
            }, 250);
            timer.unref();
          }
          break;
        case "task.started":
          position += 1;
          current = oneLine(e.text);
          costBase = costUsd;
          print(`task ${position}/${tasksTotal} started: ${current}`);
          break;
        case "agent.usage":
          costUsd = costBase + e.costUsd;
          costBase = costUsd;
          break;
        case "task.verify":
          if (e.exitCode !== 0) print(`  verify \`${e.command}\` exited ${e.exitCode ?? "by signal"}`);
          break;
        case "task.committed":
          print(`  committed ${e.sha.slice(0, 10)} (${e.filesChanged} file(s))`);
          break;
        case "task.finished": {
          if (e.status === "skipped") {
            position += 1;
            print(`task ${position}/${tasksTotal} skipped: already committed on the branch`);
            break;
          }
          const mark = e.status === "done" ? "✓" : "✗";
          print(
            `${mark} task ${position}/${tasksTotal} ${e.status}${e.filesChanged === 0 ? " (changed no file)" : ""} in ${formatElapsed(e.durationMs)}, $${e.costUsd.toFixed(4)}${e.error ? `: ${e.error}` : ""}`,
          );
          break;
        }
        case "run.finished":
          if (timer) clearInterval(timer);
          timer = undefined;
          costUsd = e.costUsd;
          clear();
          break;
        default:
          break;
      }
    },
    finish(r, info) {
      if (timer) clearInterval(timer);
      stdout.write(finalLines(r, info).join("\n") + "\n");
    },
  };
}

function finalLines(r: RunResult, info: { logPath: string; playbookArg: string; repoDir: string }): string[] {
  const lines = [
    `run ${r.runId} ${r.status}: ${r.tasksDone}/${r.tasksTotal} task(s) done, $${r.costUsd.toFixed(4)}${r.unpricedModels ? ` + unknown (no price for ${r.unpricedModels.join(", ")}: add it under \`pricing\` in .github/maestro.yml)` : ""}, ${formatElapsed(r.durationMs)}`,
    `branch: ${r.branch}`,
    `run log: ${info.logPath}`,
  ];
  if (r.error) lines.push(`error: ${r.error}`);
  if (r.status !== "succeeded" && r.baseSha) {
    lines.push(`resume: maestro run ${info.playbookArg} --repo ${info.repoDir} --branch ${r.branch}`);
  }
  return lines;
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${(ms / 1000).toFixed(1)}s`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
