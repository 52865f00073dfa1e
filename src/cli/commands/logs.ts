// `maestro logs RUN_LOG.jsonl`: a run log, readably.
import fs from "node:fs";
import path from "node:path";
import { readRunLog } from "../../runlog/read.js";
import { formatRunLogSummary, summarizeRunLog } from "../../runlog/summary.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { CliIO } from "./run.js";

export async function logsCommand(file: string, io: CliIO & { color?: boolean }): Promise<number> {
  const full = path.resolve(io.cwd, file);
  if (!fs.existsSync(full))
    throw new CliError(`${file}: no such run log. Run logs live in $MAESTRO_DATA_DIR/runs/<runId>.jsonl.`);
  const { events, problems } = await readRunLog(full);
  if (events.length === 0)
    throw new CliError(
      `${file}: no run-log events in this file${problems[0] ? ` (line ${problems[0].line}: ${problems[0].error})` : ""}.`,
    );
  io.stdout.write(formatRunLogSummary(summarizeRunLog(events), { color: io.color ?? false }) + "\n");
  for (const p of problems) io.stderr.write(`warning: line ${p.line}: ${p.error}\n`);
  return EXIT.OK;
}
