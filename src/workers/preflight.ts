// Checks a worker makes before it starts a run (DESIGN §1 "preflight"): enough free disk for a
// mirror and a worktree, git on PATH, and the agent's binary. Each problem is said the way an
// operator can act on it; the run fails with that text instead of dying halfway.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { AGENT_BIN_DEFAULTS, findExecutable, resolveAgentBin } from "../agents/bin.js";

export { findExecutable };
import type { AgentName } from "../agents/types.js";

const exec = promisify(execFile);

export interface PreflightInput {
  dataDir: string;
  minFreeDiskMb: number;
  agent: AgentName;
  /** PATH and MAESTRO_<AGENT>_BIN come from here. */
  env: NodeJS.ProcessEnv;
}

/** Free MiB on the filesystem that holds dir (or its nearest existing parent). */
export async function freeDiskMb(dir: string): Promise<number> {
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const st = await fs.promises.statfs(at);
  return Math.floor((st.bavail * st.bsize) / (1024 * 1024));
}

/** The problems found, empty when the run may start. */
export async function preflight(input: PreflightInput): Promise<string[]> {
  const problems: string[] = [];
  const free = await freeDiskMb(input.dataDir).catch(() => undefined);
  if (free !== undefined && free < input.minFreeDiskMb) {
    problems.push(
      `The worker has ${free} MiB of free disk under its data directory, below the ${input.minFreeDiskMb} MiB it needs ` +
        "(`MAESTRO_MIN_FREE_DISK_MB`). Free some space on the worker host (old mirrors in `$MAESTRO_DATA_DIR/mirrors` can go).",
    );
  }
  try {
    await exec("git", ["--version"], { env: { PATH: input.env.PATH ?? "" } });
  } catch {
    problems.push("git is not installed on the worker host (or not on its PATH). Install git on it.");
  }
  if (input.agent !== "command") {
    const bin = resolveAgentBin(input.agent, input.env);
    if (!findExecutable(bin, input.env.PATH ?? "")) {
      const { envVar } = AGENT_BIN_DEFAULTS[input.agent];
      problems.push(
        `The agent \`${input.agent}\` cannot start: \`${bin}\` is not an executable on the worker host. ` +
          `Install it there, set \`${envVar}\` to its path, or choose another agent (\`agent:\` in \`.github/maestro.yml\`).`,
      );
    }
  }
  return problems;
}
