// Who holds a lock: "maestro pid N on HOST", and whether that process is gone.
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
