// Who holds a lock: "maestro pid N on HOST", and whether that process is gone.
import fs from "node:fs";
import os from "node:os";

export function lockReason(pid = process.pid, host = os.hostname()): string {
  return `maestro pid ${pid} on ${host}`;
}

export function parseLockReason(reason: string): { pid: number; host?: string } | null {
  const m = /^maestro pid (\d+)(?: on (\S+))?/.exec(reason.trim());
  if (!m) return null;
  return { pid: Number(m[1]), host: m[2] };
}

/** True when no process with this pid exists on this machine. */
export function isPidDead(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** A lock held by a maestro process that is dead on this host (other hosts: can't tell, so not stale). */
export function isStaleLock(reason: string | undefined): boolean {
  if (!reason) return false;
  const holder = parseLockReason(reason);
  if (!holder) return false;
  if (holder.host && holder.host !== os.hostname()) return false;
  return isPidDead(holder.pid);
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses):
 * [0] state, [1] ppid, [2] pgrp, … [19] starttime. undefined where it cannot be read (gone, not Linux).
 */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** When a process started (Linux: /proc/<pid>/stat), or undefined where that cannot be read. */
export function processStartMs(pid: number): number | undefined {
  try {
    const fields = procStatFields(pid);
    if (!fields) return undefined;
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    // USER_HZ is 100 on every Linux architecture Node runs on.
    return btime * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

/**
 * The lock written at `writtenMs` naming `reason` has no live holder on this host: its pid is dead, or
 * alive again in another process — our own pid when this process does not hold the lock (a container's
 * pid 1 after a restart), or a process that started after the lock was written.
 */
export function isAbandonedLock(reason: string, writtenMs: number, heldByThisProcess: boolean): boolean {
  const holder = parseLockReason(reason);
  if (!holder) return false;
  if (holder.host && holder.host !== os.hostname()) return false;
  if (isPidDead(holder.pid)) return true;
  if (holder.pid === process.pid) return !heldByThisProcess;
  const started = processStartMs(holder.pid);
  return started !== undefined && started > writtenMs + 1000;
}
