// Which tasks are already committed on a branch: read back from the Maestro-Task/Maestro-Run trailers.
import { runGit } from "./run-git.js";

const FORMAT =
  "%H%x00%(trailers:key=Maestro-Task,valueonly,separator=%x1f)%x00%(trailers:key=Maestro-Run,valueonly,separator=%x1f)%x1e";

export interface CommittedTask {
  sha: string;
  runId: string;
}

/** Task index → its newest commit in baseRef..branch carrying a Maestro-Task trailer. */
export async function committedTasks(opts: {
  cwd: string;
  baseRef: string;
  branch?: string;
}): Promise<Map<number, CommittedTask>> {
  const range = `${opts.baseRef}..${opts.branch ?? "HEAD"}`;
  const { stdout } = await runGit(["log", `--format=${FORMAT}`, "--end-of-options", range], {
    cwd: opts.cwd,
  });
  const out = new Map<number, CommittedTask>();
  for (const record of stdout.split("\x1e")) {
    const [sha, task, run] = record.replace(/^\n+/, "").split("\0");
    if (!sha || !/^[0-9a-f]{40,64}$/.test(sha.trim()) || task === undefined) continue;
    const taskValue = firstValue(task);
    if (!/^\d+$/.test(taskValue)) continue;
    const index = Number(taskValue);
    // git log lists newest first: the first sighting of an index wins.
    if (!out.has(index)) out.set(index, { sha: sha.trim(), runId: firstValue(run ?? "") });
  }
  return out;
}

function firstValue(s: string): string {
  return (s.split("\x1f")[0] ?? "").trim();
}
