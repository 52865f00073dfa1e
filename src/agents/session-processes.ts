// Every process of one agent session carries MAESTRO_SESSION=<random 128-bit hex> in its environment,
// inherited through fork and exec. A process group does not hold a session's processes: CLIs start their
// shell tools with setsid (OpenCode does), and a double fork re-parents to init. The marker does: when
// the session ends, /proc/*/environ is scanned and every process that carries it is killed with its group.
// Linux only (/proc); elsewhere these find nothing and kill nothing. Inside the sandbox its PID namespace
// ends them all anyway; the marker is harmless there.
// Limit: a process that execs with an environment of its own (`env -i cmd`) drops the marker.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { procStatFields } from "../git/pid.js";

export const SESSION_MARKER_VAR = "MAESTRO_SESSION";

/** A fresh marker: the env entry to give the session ("MAESTRO_SESSION=<32 hex>") and its parts. */
export function newSessionMarker(): { name: string; value: string; entry: string } {
  const value = randomBytes(16).toString("hex");
  return { name: SESSION_MARKER_VAR, value, entry: `${SESSION_MARKER_VAR}=${value}` };
}

const onLinux = process.platform === "linux";

function groupOf(pid: number): number | undefined {
  const pgid = Number(procStatFields(pid)?.[2]);
  return Number.isInteger(pgid) && pgid > 1 ? pgid : undefined;
}

/** True when the NUL-separated environment block holds `entry` as a whole variable. */
function holds(environ: Buffer, entry: Buffer): boolean {
  for (let at = environ.indexOf(entry); at !== -1; at = environ.indexOf(entry, at + 1)) {
    const end = at + entry.length;
    if ((at === 0 || environ[at - 1] === 0) && (end === environ.length || environ[end] === 0)) return true;
  }
  return false;
}

/** Pids of the processes (other than this one) whose environment holds `entry` ("NAME=value"). */
export function findMarkedProcesses(entry: string): number[] {
  if (!onLinux) return [];
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = Buffer.from(entry);
  const found: number[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${name}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (holds(environ, needle)) found.push(pid);
  }
  return found;
}

/**
 * Sends `signal` to every process that carries `entry` and, with `groups`, to its process group too
 * (never this process's own group). Returns the pids found.
 */
export function signalMarkedProcesses(
  entry: string,
  signal: NodeJS.Signals,
  { groups = true }: { groups?: boolean } = {},
): number[] {
  const pids = findMarkedProcesses(entry);
  if (pids.length === 0) return pids;
  const ownGroup = groupOf(process.pid);
  const signalled = new Set<number>();
  for (const pid of pids) {
    const pgid = groups ? groupOf(pid) : undefined;
    if (pgid !== undefined && pgid !== ownGroup && !signalled.has(-pgid)) {
      signalled.add(-pgid);
      try {
        process.kill(-pgid, signal);
      } catch {
        // gone
      }
    }
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * SIGKILLs every process that carries `entry`, with its group, and scans again (a process may fork while it
 * is being killed) until a scan finds none or `rounds` scans are done. Returns every pid found. One scan
 * when nothing is left, which is the usual case.
 */
export async function killMarkedProcesses(
  entry: string,
  { rounds = 5, pauseMs = 20 }: { rounds?: number; pauseMs?: number } = {},
): Promise<number[]> {
  const all = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    if (round > 0) await new Promise((r) => setTimeout(r, pauseMs));
    const pids = signalMarkedProcesses(entry, "SIGKILL");
    if (pids.length === 0) break;
    for (const pid of pids) all.add(pid);
  }
  return [...all];
}
