// MAESTRO_DEBUG_MEMORY_FILE (hidden, for bench/worker-memory.ts): the worker appends one JSON line of
// process.memoryUsage() and V8's committed heap spaces to that file at start and every 250 ms, to see
// where a worker's memory goes (live heap, young-generation headroom, code, native) while it runs.
import fs from "node:fs";
import v8 from "node:v8";

export const MEMORY_SAMPLE_INTERVAL_MS = 250;

export interface MemorySample {
  /** Date.now() of the sample. */
  t: number;
  /** "start" (the worker command, after its imports), "ready" (worker taking jobs), "sample", "stop". */
  phase: string;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Committed bytes per V8 heap space (new_space, old_space, code_space, large_object_space…). */
  spaces: Record<string, number>;
}

export function memorySample(phase: string): MemorySample {
  const m = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = s.physical_space_size;
  return {
    t: Date.now(),
    phase,
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    spaces,
  };
}

export interface MemorySampler {
  /** Writes one line now with the given phase. */
  mark(phase: string): void;
  /** Writes a "stop" line and stops the timer. */
  stop(): void;
}

/** Opens `file` for appending (throws a clear error when it cannot) and samples every intervalMs. */
export function startMemorySampler(file: string, intervalMs = MEMORY_SAMPLE_INTERVAL_MS): MemorySampler {
  let fd: number;
  try {
    fd = fs.openSync(file, "a");
  } catch (err) {
    throw new Error(
      `MAESTRO_DEBUG_MEMORY_FILE ${file} cannot be opened for appending (${(err as NodeJS.ErrnoException).code ?? String(err)}); point it at a writable file or unset it.`,
    );
  }
  const write = (phase: string) => {
    try {
      fs.writeSync(fd, `${JSON.stringify(memorySample(phase))}\n`);
    } catch {
      // A debugging aid must never stop the worker (disk full, file removed).
    }
  };
  write("start");
  const timer = setInterval(() => write("sample"), intervalMs);
  timer.unref();
  let stopped = false;
  return {
    mark: write,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      write("stop");
      fs.closeSync(fd);
    },
  };
}
