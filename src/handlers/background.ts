// Work a webhook handler starts and does not wait for. GitHub's answer must not wait on our own writes
// to GitHub: Octokit spaces an installation's writes ≥ 1 s apart (3 s for comments), so a burst of
// commands would queue up behind each other past GitHub's 10 s limit. What must survive a crash (the
// run itself) is in Redis before the answer; what runs here is feedback. Tracked, so that shutdown and
// tests can wait for it.
import type { HandlerLog } from "./deps.js";

export interface Background {
  /** Starts `task` now; its failure is logged, never thrown. `key` groups tasks for `pendingFor`. */
  run(what: string, log: HandlerLog, task: () => Promise<void>, key?: string): void;
  /** Resolves once nothing is running (tasks started meanwhile included). */
  idle(): Promise<void>;
  readonly size: number;
  /** Tasks still running under `key` (an installation: its writes queue behind each other). */
  pendingFor(key: string): number;
}

export function createBackground(): Background {
  const running = new Set<Promise<void>>();
  const byKey = new Map<string, number>();
  const count = (key: string, d: number) => {
    const n = (byKey.get(key) ?? 0) + d;
    if (n > 0) byKey.set(key, n);
    else byKey.delete(key);
  };
  return {
    run(what, log, task, key) {
      if (key !== undefined) count(key, 1);
      const p: Promise<void> = Promise.resolve()
        .then(task)
        .catch((err: unknown) => log.error({ err: String(err) }, `maestro: ${what} failed`))
        .finally(() => {
          running.delete(p);
          if (key !== undefined) count(key, -1);
        });
      running.add(p);
    },
    pendingFor(key) {
      return byKey.get(key) ?? 0;
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    get size() {
      return running.size;
    },
  };
}
