// Read a JSONL run log, tolerating what a crash leaves behind (a cut-off last line).
import fs from "node:fs/promises";
import { runEventSchema, type RunEvent } from "./events.js";

export interface RunLogProblem {
  line: number;
  error: string;
}

export async function readRunLog(path: string): Promise<{ events: RunEvent[]; problems: RunLogProblem[] }> {
  const text = await fs.readFile(path, "utf8");
  return parseRunLog(text);
}

/** Parse run-log text; lines that are not valid events become problems (1-based line numbers). */
export function parseRunLog(text: string): { events: RunEvent[]; problems: RunLogProblem[] } {
  const events: RunEvent[] = [];
  const problems: RunLogProblem[] = [];
  const lines = text.split("\n");
  const endsWithNewline = text.endsWith("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const isLast = i === lines.length - 1 && !endsWithNewline;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      problems.push({
        line: i + 1,
        error: isLast
          ? "truncated last line (the writer was probably killed mid-write)"
          : `not JSON: ${err instanceof Error ? err.message : String(err)}`,
      });
      return;
    }
    const parsed = runEventSchema.safeParse(obj);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((x) => `${x.path.join(".") || "(event)"}: ${x.message}`)
        .join("; ");
      problems.push({ line: i + 1, error: `not a valid run event: ${issues}` });
      return;
    }
    events.push(parsed.data);
  });
  return { events, problems };
}
