// A worker that dies on its own (OOM killer, a crash) leaves its agent running: the agent leads its own
// process group, so nothing takes it down with the worker. Before a dead run's worktree is taken over,
// every process still working in it is killed, with its group, so it cannot write into the next run.
// Linux (/proc); elsewhere this finds nothing.
import fs from "node:fs";
import path from "node:path";
import { procStatFields } from "./pid.js";

function pgidOf(pid: number): number | undefined {
  const pgid = Number(procStatFields(pid)?.[2]);
  return Number.isInteger(pgid) && pgid > 0 ? pgid : undefined;
}

function inside(child: string, dir: string): boolean {
  const rel = path.relative(dir, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** SIGKILLs the process groups of the processes whose working directory is dir or below; returns their pids. */
export function killProcessesUnder(dir: string): number[] {
  let root: string;
  try {
    root = fs.realpathSync(dir);
  } catch {
    return [];
  }
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const ownGroup = pgidOf(process.pid);
  const killed: number[] = [];
  for (const name of entries) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone, or not ours to see
    }
    if (!inside(cwd.replace(/ \(deleted\)$/, ""), root)) continue;
    const pgid = pgidOf(pid);
    try {
      if (pgid !== undefined && pgid !== ownGroup) process.kill(-pgid, "SIGKILL");
      else process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // Already gone.
    }
  }
  return killed;
}
