// A run's log lines carry the run: its id, repository and installation on every line (a pino child logger).
// No pino import here: the processor takes any WorkerLog; one without child() (tests, embedders) is used as is.
import type { WorkerDeps } from "../workers/deps.js";

export type RunLogFields = {
  runId: string;
  /** owner/name */
  repo: string;
  installation: number;
};

export interface RunIdentity {
  runId: string;
  repo: { owner: string; name: string };
  installationId: number;
}

export function runLogFields(run: RunIdentity): RunLogFields {
  return { runId: run.runId, repo: `${run.repo.owner}/${run.repo.name}`, installation: run.installationId };
}

/** The worker's deps with a log bound to the run; unchanged when there is no log or it cannot make children. */
export function depsForRun(deps: WorkerDeps, run: RunIdentity): WorkerDeps {
  const log = deps.log;
  if (!log?.child) return deps;
  return { ...deps, log: log.child(runLogFields(run)) };
}
