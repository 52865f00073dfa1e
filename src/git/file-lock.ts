// An exclusive lock file (O_EXCL) naming its holder, with stale-holder detection.
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GitError } from "./errors.js";
import { isAbandonedLock, lockReason } from "./pid.js";

/** Lock files this process holds: with pid reuse (a container restarted as pid 1), the pid alone does not say it. */
const heldHere = new Set<string>();

export interface FileLockOptions {
  /** Give up after this long (default 10 min). */
  timeoutMs?: number;
  /** A lock older than this is stale whatever its pid says (default 2 h). */
  staleAfterMs?: number;
  signal?: AbortSignal;
}

/** Take the lock at `lockPath`, waiting while a live holder has it; returns the release function. */
export async function acquireFileLock(lockPath: string, opts: FileLockOptions = {}): Promise<() => void> {
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const staleAfterMs = opts.staleAfterMs ?? 2 * 60 * 60_000;
  const deadline = Date.now() + timeoutMs;
  const me = lockReason();
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  let delay = 50;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const fd = fs.openSync(lockPath, "wx");
      fs.writeSync(fd, `${me}\n${new Date().toISOString()}\n`);
      fs.closeSync(fd);
      heldHere.add(lockPath);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(lockPath);
        try {
          if (fs.readFileSync(lockPath, "utf8").startsWith(`${me}\n`)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    stealIfStale(lockPath, staleAfterMs);
    if (Date.now() >= deadline) {
      let holder = "";
      try {
        holder = fs.readFileSync(lockPath, "utf8").split("\n")[0] ?? "";
      } catch {
        // gone meanwhile
      }
      throw new GitError({
        kind: "lock",
        message: `Timed out after ${timeoutMs} ms waiting for ${lockPath}${holder ? ` (held by ${holder})` : ""}. If no Maestro process is running, delete that file.`,
      });
    }
    await sleep(delay, undefined, { signal: opts.signal });
    delay = Math.min(delay * 2, 1000);
  }
}

function stealIfStale(lockPath: string, staleAfterMs: number): void {
  let content: string;
  let mtimeMs: number;
  try {
    content = fs.readFileSync(lockPath, "utf8");
    mtimeMs = fs.statSync(lockPath).mtimeMs;
  } catch {
    return; // released meanwhile
  }
  const holder = content.split("\n")[0] ?? "";
  const old = Date.now() - mtimeMs > staleAfterMs;
  if (!old && !isAbandonedLock(holder, mtimeMs, heldHere.has(lockPath))) return;
  // Rename is atomic: of several processes stealing at once, only one moves the file.
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lockPath, aside);
    fs.unlinkSync(aside);
  } catch {
    // someone else took care of it
  }
}
