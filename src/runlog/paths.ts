// Where run logs live: <dataDir>/runs/<runId>.jsonl (DESIGN §7, §10).
import path from "node:path";

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `<dataDir>/runs/<runId>.jsonl`. The run id must be a plain name (it becomes a file name). */
export function runLogPath(dataDir: string, runId: string): string {
  if (!RUN_ID.test(runId) || runId.includes("..")) {
    throw new Error(
      `Invalid run id ${JSON.stringify(runId)}: use letters, digits, '.', '_' and '-' only (it names the run-log file).`,
    );
  }
  return path.join(path.resolve(dataDir), "runs", `${runId}.jsonl`);
}

/** `MAESTRO_DATA_DIR`, or `./.maestro`, as an absolute path. */
export function resolveDataDir(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): string {
  const dir = env.MAESTRO_DATA_DIR?.trim();
  return path.resolve(cwd, dir ? dir : ".maestro");
}
