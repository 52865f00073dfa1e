// `/maestro status`, `cancel` and `retry`: read the runs index of this issue or PR.
import type { RepoConfig } from "../config/repo-config.js";
import { markRunInactive } from "../queue/budget.js";
import { requestCancel } from "../queue/cancel.js";
import {
  ACTIVE_STATES,
  RETRYABLE_STATES,
  getRunJob,
  listIssueRuns,
  setRunState,
  type RunRecord,
} from "../queue/runs-index.js";
import type { AppDeps } from "./deps.js";
import { accepted, refused, type Outcome } from "./outcome.js";
import { runCommand } from "./run-command.js";
import type { Trigger } from "./trigger.js";

function runsOf(deps: AppDeps, t: Trigger): Promise<RunRecord[]> {
  return listIssueRuns(deps.store, { owner: t.owner, name: t.repo }, t.issueNumber);
}

function pick(
  runs: RunRecord[],
  runId: string | undefined,
  where: string,
): { ok: true; runs: RunRecord[] } | { ok: false; reply: string } {
  if (runId === undefined) return { ok: true, runs };
  const run = runs.find((r) => r.runId === runId);
  if (!run) {
    const known = runs.slice(0, 10).map((r) => `\`${r.runId}\``);
    return {
      ok: false,
      reply: `There is no run \`${runId}\` on this ${where}.${known.length > 0 ? ` Its runs: ${known.join(", ")}.` : ""} See \`/maestro status\`.`,
    };
  }
  return { ok: true, runs: [run] };
}

function where(t: Trigger): string {
  return t.isPullRequest ? "pull request" : "issue";
}

export async function statusCommand(deps: AppDeps, t: Trigger): Promise<Outcome> {
  const runs = await runsOf(deps, t);
  if (runs.length === 0)
    return accepted(`No Maestro runs on this ${where(t)} yet. Start one with \`/maestro run NAME\`.`);
  const lines = [
    `### Maestro runs on this ${where(t)}`,
    "",
    "| run | playbook | state | by | queued at |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const r of runs.slice(0, 20)) {
    lines.push(
      `| \`${r.runId}\` | \`${r.playbook}\` | ${r.state}${r.prUrl ? ` ([PR](${r.prUrl}))` : ""} | @${r.actor} | ${r.createdAt} |`,
    );
  }
  if (runs.length > 20) lines.push("", `…and ${runs.length - 20} older runs.`);
  return accepted(lines.join("\n") + "\n");
}

export async function cancelCommand(deps: AppDeps, t: Trigger, runId: string | undefined): Promise<Outcome> {
  const picked = pick(await runsOf(deps, t), runId, where(t));
  if (!picked.ok) return refused(picked.reply);
  const targets = picked.runs.filter((r) => ACTIVE_STATES.includes(r.state));
  if (targets.length === 0) {
    return refused(
      runId
        ? `Run \`${runId}\` is ${picked.runs[0]?.state}, so there is nothing to cancel.`
        : `No run on this ${where(t)} is queued or running, so there is nothing to cancel.`,
    );
  }
  const lines: string[] = [];
  const statusUpdates: Array<{ runId: string; body: string }> = [];
  for (const r of targets) {
    const res = await requestCancel(deps.store, r.runId, { queue: deps.queue });
    if (res.removed) {
      await setRunState(deps.store, r.runId, "cancelled");
      await markRunInactive(deps.store, { owner: t.owner, name: t.repo }, r.runId);
      lines.push(`- \`${r.runId}\` (\`${r.playbook}\`): cancelled before it started.`);
      // No worker will write its outcome: the queued status comment says so itself.
      statusUpdates.push({
        runId: r.runId,
        body:
          `### Maestro run \`${r.runId}\`: ⏹️ cancelled\n\nCancelled by @${t.sender.login} before it started; nothing was changed.\n\n` +
          `Start it again with \`/maestro retry ${r.runId}\`.\n`,
      });
    } else {
      lines.push(`- \`${r.runId}\` (\`${r.playbook}\`): stopping; what was already committed is pushed.`);
    }
  }
  return {
    ...accepted(
      `Cancel requested by @${t.sender.login}:\n\n${lines.join("\n")}\n\nResume with \`/maestro retry RUN\`.\n`,
    ),
    ...(statusUpdates.length > 0 ? { statusUpdates } : {}),
  };
}

export async function retryCommand(
  deps: AppDeps,
  t: Trigger,
  config: RepoConfig,
  runId: string | undefined,
  index: number,
): Promise<Outcome> {
  const all = await runsOf(deps, t);
  const picked = pick(all, runId, where(t));
  if (!picked.ok) return refused(picked.reply);
  const target = runId ? picked.runs[0] : all.find((r) => RETRYABLE_STATES.includes(r.state));
  if (!target || !RETRYABLE_STATES.includes(target.state)) {
    return refused(
      target
        ? `Run \`${target.runId}\` is ${target.state}; only failed, cancelled, timed-out or over-budget runs can be retried.`
        : `No failed or cancelled run on this ${where(t)} to retry. See \`/maestro status\`.`,
    );
  }
  const job = await getRunJob(deps.store, target.runId);
  if (!job)
    return refused(
      `Run \`${target.runId}\` is too old to resume (its details have expired). Start a new one with \`/maestro run ${target.playbook}\`.`,
    );
  return runCommand(deps, t, config, { dryRun: false, resume: job, index });
}
