// A process's resident memory by kind of mapping, from /proc/<pid>/smaps (Linux).
import fs from "node:fs";

export interface SmapsSummary {
  /** The node executable's own pages (code, read-only data): file-backed, shared by every node process on the host. */
  nodeBinaryKb: number;
  /** Other file-backed mappings (libc, libstdc++…). */
  otherFilesKb: number;
  /** glibc's main malloc arena (the [heap] mapping, grown with brk). */
  mallocMainKb: number;
  /** Anonymous mappings that start on a 64 MB boundary: glibc's per-thread malloc arenas. */
  mallocThreadArenasKb: number;
  /** Other anonymous memory: V8's heap pages and code, thread stacks, libuv. */
  otherAnonKb: number;
  totalKb: number;
}

const ARENA_ALIGN = 64n * 1024n * 1024n;

export function summarizeSmaps(text: string): SmapsSummary {
  const s: SmapsSummary = {
    nodeBinaryKb: 0,
    otherFilesKb: 0,
    mallocMainKb: 0,
    mallocThreadArenasKb: 0,
    otherAnonKb: 0,
    totalKb: 0,
  };
  let kind: keyof Omit<SmapsSummary, "totalKb"> = "otherAnonKb";
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const name = m[2]!.trim();
      if (name === "[heap]") kind = "mallocMainKb";
      else if (name.startsWith("/")) kind = /\/node$/.test(name) ? "nodeBinaryKb" : "otherFilesKb";
      else if (name === "" && BigInt(`0x${m[1]}`) % ARENA_ALIGN === 0n) kind = "mallocThreadArenasKb";
      else kind = "otherAnonKb";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      s[kind] += Number(rss[1]);
      s.totalKb += Number(rss[1]);
    }
  }
  return s;
}

/** The summary of a live process, or undefined when it is gone. */
export function smapsOf(pid: number | undefined): SmapsSummary | undefined {
  if (!pid) return undefined;
  try {
    return summarizeSmaps(fs.readFileSync(`/proc/${pid}/smaps`, "utf8"));
  } catch {
    return undefined;
  }
}
