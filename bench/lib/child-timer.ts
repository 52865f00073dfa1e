// Times every child process the code under test starts (git through execFile, agents through spawn),
// from the call to its exit, by wrapping node:child_process in place. ESM importers see the wrappers
// because syncBuiltinESMExports() updates the named exports of built-in modules.
import childProcess, { type ChildProcess } from "node:child_process";
import { syncBuiltinESMExports } from "node:module";

export interface ChildTiming {
  /** "git add", "git commit", … or the command of a spawn ("sh"). */
  label: string;
  /** From the call to spawn/execFile to the child's 'close'. */
  ms: number;
  /** The synchronous part of the call (fork/exec): the event loop is blocked meanwhile. */
  syncMs: number;
  start: number;
}

const GIT_VALUE_OPTS = new Set(["-c", "-C", "--git-dir", "--work-tree"]);

function labelOf(file: string, args: readonly string[]): string {
  // `sh -c SCRIPT NAME`: a fixed script that names itself (src/git/commit.ts), told apart from an agent's `sh -c`.
  if (file === "sh" && args[0] === "-c" && args[2]) return `sh ${args[2]}`;
  if (file !== "git") return file;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GIT_VALUE_OPTS.has(a)) i++;
    else if (!a.startsWith("-")) return `git ${a}`;
  }
  return "git";
}

export interface ChildTimer {
  timings: ChildTiming[];
  restore(): void;
}

export function timeChildProcesses(): ChildTimer {
  const timings: ChildTiming[] = [];
  const origExecFile = childProcess.execFile;
  const origSpawn = childProcess.spawn;
  const track = (label: string, start: () => ChildProcess) => {
    const t0 = performance.now();
    const child = start();
    const syncMs = performance.now() - t0;
    child.once("close", () => timings.push({ label, ms: performance.now() - t0, syncMs, start: t0 }));
    return child;
  };
  const execFile = ((file: string, args: readonly string[], ...rest: unknown[]) =>
    track(labelOf(file, Array.isArray(args) ? args : []), () =>
      (origExecFile as (...a: unknown[]) => ChildProcess)(file, args, ...rest),
    )) as unknown as typeof childProcess.execFile;
  const spawn = ((command: string, args: readonly string[], ...rest: unknown[]) =>
    track(labelOf(command, Array.isArray(args) ? args : []), () =>
      (origSpawn as (...a: unknown[]) => ChildProcess)(command, args, ...rest),
    )) as unknown as typeof childProcess.spawn;
  childProcess.execFile = execFile;
  childProcess.spawn = spawn;
  syncBuiltinESMExports();
  return {
    timings,
    restore() {
      childProcess.execFile = origExecFile;
      childProcess.spawn = origSpawn;
      syncBuiltinESMExports();
    },
  };
}
