// A run's whole log for whoever ends the run (PR summary, commitToBranch) when the run may have moved between
// hosts (issue 14): the local file, completed from the shared store when the file is missing, starts late (this host
// resumed the run) or has a gap (another host ran part of it).
import fs from "node:fs/promises";
import type { RunEvent } from "./events.js";
import { parseRunLog, type RunLogProblem } from "./read.js";
import type { RunLogStore } from "./store.js";
import { withTimeout } from "../helpers/with-timeout.js";

export interface WholeRunLog {
  events: RunEvent[];
  /** The log as JSONL: the local file as it is when it is complete, else the events in seq order. */
  text: string;
  problems: RunLogProblem[];
  /** Where the events came from. */
  source: "local" | "store" | "both";
}

const PAGE = 2000;

export async function readWholeRunLog(opts: {
  path: string;
  runId: string;
  store?: RunLogStore;
  /** How long the store may take before the local file is used as it is, ms. Default 15000. */
  timeoutMs?: number;
  log?: { warn(obj: object, msg?: string): void };
}): Promise<WholeRunLog> {
  let localText = "";
  try {
    localText = await fs.readFile(opts.path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const local = parseRunLog(localText);
  const lastLocal = local.events.at(-1)?.seq ?? -1;
  const contiguous = local.events.every((e, i) => e.seq === i);
  if (!opts.store)
    return { events: local.events, text: localText, problems: local.problems, source: "local" };
  const store = opts.store;
  let stored: RunEvent[];
  try {
    stored = await withTimeout(
      (async () => {
        // The usual case, one host ran the whole run: the local file is complete when it holds 0..n without a gap
        // and the store has nothing after n.
        if (contiguous && (await store.lastSeq(opts.runId)) <= lastLocal) return [];
        const all: RunEvent[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.read(opts.runId, { ...(after ? { after } : {}), count: PAGE });
          for (const s of page) all.push(s.event);
          if (page.length < PAGE) return all;
          after = page.at(-1)!.id;
        }
      })(),
      opts.timeoutMs ?? 15_000,
    );
  } catch (err) {
    opts.log?.warn(
      { runId: opts.runId, err: err instanceof Error ? err.message : String(err) },
      "run log: could not read the shared store; the summary uses this host's file only",
    );
    return { events: local.events, text: localText, problems: local.problems, source: "local" };
  }
  if (stored.length === 0)
    return { events: local.events, text: localText, problems: local.problems, source: "local" };
  const bySeq = new Map<number, RunEvent>();
  for (const e of stored) bySeq.set(e.seq, e);
  let added = 0;
  for (const e of local.events) {
    if (!bySeq.has(e.seq)) added += 1;
    bySeq.set(e.seq, e);
  }
  const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return {
    events,
    text: events.map((e) => JSON.stringify(e) + "\n").join(""),
    problems: local.problems,
    source: added > 0 && local.events.length > 0 ? "both" : "store",
  };
}
