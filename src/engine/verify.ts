// Verify commands run after a task in the worktree; the first failure stops the list.
import { runManagedProcess } from "../agents/process.js";
import { newSessionMarker } from "../agents/session-processes.js";
import { buildChildEnv } from "../security/child-env.js";
import type { CommandSandbox } from "../sandbox/run-sandbox.js";

export interface VerifyResult {
  command: string;
  exitCode: number | null;
  durationMs: number;
  outputTail: string;
  timedOut: boolean;
  cancelled: boolean;
}

export async function runVerify(opts: {
  commands: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal: AbortSignal;
  /** The run's sandbox: verify commands are the repository's code and run only there (DESIGN §11). */
  sandbox?: CommandSandbox;
  onResult: (r: VerifyResult) => void;
}): Promise<{ ok: boolean; failed?: VerifyResult }> {
  for (const command of opts.commands) {
    const started = Date.now();
    // The repository's scripts may start daemons with setsid: the marker finds them when the command ends.
    const marker = newSessionMarker();
    const spec = {
      command: "sh",
      args: ["-c", command],
      env: { ...buildChildEnv(opts.env, "verify", { CI: "true" }), [marker.name]: marker.value },
    };
    const run = opts.sandbox ? opts.sandbox.wrap(spec) : spec;
    const r = await runManagedProcess({
      ...run,
      sessionMarker: marker.entry,
      cwd: opts.cwd,
      timeoutMs: Math.max(1000, opts.timeoutMs),
      signal: opts.signal,
      tailBytes: 4000,
    });
    const outputTail = [r.stdoutTail, r.stderrTail, r.spawnError ?? ""].filter((s) => s.trim()).join("\n");
    const result: VerifyResult = {
      command,
      exitCode: r.exitCode,
      durationMs: Date.now() - started,
      outputTail,
      timedOut: r.timedOut,
      cancelled: r.cancelled,
    };
    opts.onResult(result);
    if (r.exitCode !== 0 || r.timedOut || r.cancelled) return { ok: false, failed: result };
  }
  return { ok: true };
}
