// The BullMQ processor (DESIGN §1 "Worker", §6, §7): a queued run becomes pushed commits, a draft PR
// and a final status comment. Engine outcomes (succeeded, failed, cancelled, budget_exceeded,
// timeout) complete the job; infrastructure errors (GitHub 5xx, git network) throw, so BullMQ
// retries and the retry resumes from the pushed commits.
import { applyAgentPolicy } from "../config/agent-policy.js";
import path from "node:path";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { runPlaybook } from "../engine/run-playbook.js";
import type { GitIdentity, RunResult } from "../engine/types.js";
import { commitFileToBranch } from "../git/commit-file.js";
import { GitError, gitHint, mainLine, type GitErrorKind } from "../git/errors.js";
import { ensureMirror, pushBranch } from "../git/mirror.js";
import { resolveRef } from "../git/refs.js";
import { WorktreePool, worktreePoolDir } from "../git/worktree-pool.js";
import { upsertCheckRun } from "../github/check-run.js";
import type { Octokit } from "../github/octokit.js";
import { httpStatus } from "../github/octokit.js";
import { ensureDraftPullRequest, findOpenPullRequest } from "../github/pull-request.js";
import { react, type ReactionTarget } from "../github/reactions.js";
import { requestReview } from "../github/request-review.js";
import { replyToReviewComment } from "../github/review-comments.js";
import { keys } from "../queue/keys.js";
import {
  renderFinishedComment,
  renderPullRequestBody,
  renderRunningComment,
  renderWaitingComment,
  type RunSummaryInput,
  taskStatusText,
  usd,
} from "../github/run-summary.js";
import { renderTaskDetails } from "../github/task-details.js";
import type { RunEvent } from "../runlog/events.js";
import { foldProgress } from "./run-progress.js";
import { BODY_BUDGET_BYTES } from "../github/body-limits.js";
import { PlaybookError } from "../playbooks/errors.js";
import { parsePlaybook } from "../playbooks/parse.js";
import {
  acquireRunSlot,
  addCost,
  checkDailyBudget,
  markRunInactive,
  slotMaxAgeMs,
  spentToday,
} from "../queue/budget.js";
import { parseRunJob, type RunJobData } from "../queue/job-schema.js";
import { setRunState, type RunState } from "../queue/runs-index.js";
import type { RunStatus } from "../runlog/events.js";
import { runLogPath } from "../runlog/paths.js";
import { readWholeRunLog, type WholeRunLog } from "../runlog/shared-read.js";
import { summarizeRunLog } from "../runlog/summary.js";
import { RunLogWriter } from "../runlog/writer.js";
import { createRedactor, namedSecretsFromEnv, secretsFromEnv, type Redactor } from "../security/redact.js";
import { CancelRegistry } from "./cancel-registry.js";
import { EditSpacing } from "./edit-spacing.js";
import { preflight } from "./preflight.js";
import { silentLog, type Installation, type WorkerDeps } from "./deps.js";
import { depsForRun } from "../logging/run-context.js";
import { readMirrorRepoConfig } from "./repo-config.js";
import { branchFor, followUpBase, resumeChain, syncRunBranch } from "./run-branch.js";
import { RunStatusComment } from "../github/run-status-comment.js";
import { StatusUpdater } from "./status-updater.js";

export interface RunJobResult {
  runId: string;
  status: RunStatus;
  branch?: string;
  tasksDone: number;
  tasksTotal: number;
  costUsd: number;
  prUrl?: string;
  error?: string;
}

export interface RunProcessor {
  (job: Job, token?: string, signal?: AbortSignal): Promise<RunJobResult>;
  /**
   * For a worker going away past its grace: stops the agents of the runs in progress and parks
   * those runs (their jobs never settle here, so their locks lapse and another worker resumes them
   * from the pushed commits). Resolves once every run has parked or ended, or after waitMs.
   */
  shutdown(waitMs?: number): Promise<void>;
  /** Waits up to waitMs for the runs in progress to end; true when none is left. */
  drain(waitMs: number): Promise<boolean>;
  /** Ends the shared cancel subscription. */
  close(): Promise<void>;
}

const PERMANENT_GIT_ERRORS = new Set<GitErrorKind>([
  "auth_failed",
  "repo_not_found",
  "protected_branch",
  "push_rejected",
  "disk_full",
  "git_missing",
]);

/** A failure that is the run's own (bad config, bad playbook): reported, not retried. */
class RunRefused extends Error {}

/** Thrown inside processRun when the worker shuts down: the run is handed over, not ended. */
class HandOver extends Error {}

export function createRunProcessor(deps: WorkerDeps): RunProcessor {
  const cancels = new CancelRegistry(deps.store);
  const spacing = new EditSpacing(deps.statusEditIntervalMs ?? 2000);
  const shutdown = new AbortController();
  const active = new Set<Promise<unknown>>();
  const processor = (async (job: Job, token?: string, signal?: AbortSignal) => {
    const parsed = parseRunJob(job.data);
    if (!parsed.ok) throw new UnrecoverableError(parsed.error);
    const data = parsed.data;
    if (shutdown.signal.aborted) return park();
    const cancelSignal = await cancels.watch(data.runId);
    const run = processRun(
      spacing,
      depsForRun(deps, data),
      job,
      token,
      data,
      AbortSignal.any([cancelSignal, shutdown.signal, ...(signal ? [signal] : [])]),
      () => shutdown.signal.aborted,
    );
    active.add(run);
    try {
      return await run;
    } catch (err) {
      if (err instanceof HandOver) return park();
      throw err;
    } finally {
      active.delete(run);
      cancels.forget(data.runId);
    }
  }) as RunProcessor;
  processor.shutdown = async (waitMs = 15_000) => {
    shutdown.abort(new Error("worker shutting down"));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...active]),
      new Promise((r) => (timer = setTimeout(r, waitMs))),
    ]);
    clearTimeout(timer);
  };
  processor.drain = async (waitMs) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled([...active]).then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), waitMs))),
    ]);
    clearTimeout(timer);
    return !timedOut && active.size === 0;
  };
  processor.close = () => cancels.close();
  return processor;
}

/** Never settles: the job keeps its place as active until its lock lapses, then it is resumed elsewhere. */
function park(): Promise<never> {
  return new Promise<never>(() => undefined);
}

async function processRun(
  spacing: EditSpacing,
  deps: WorkerDeps,
  job: Job,
  jobToken: string | undefined,
  data: RunJobData,
  signal: AbortSignal,
  shuttingDown: () => boolean,
): Promise<RunJobResult> {
  const log = deps.log ?? silentLog;
  const { store } = deps;
  const repoRef = { owner: data.repo.owner, name: data.repo.name };
  const owner = data.repo.owner;
  const repo = data.repo.name;
  const target = {
    owner,
    repo,
    issueNumber: data.issueNumber,
    runId: data.runId,
    ...(data.statusCommentId ? { commentId: data.statusCommentId } : {}),
  };
  const inst = await deps.installation(data.installationId);
  const statusComment = new RunStatusComment(inst.octokit, store, target);
  let redact: Redactor = createRedactor([
    ...Object.values(deps.secrets ?? {}),
    ...secretsFromEnv(deps.agentEnv),
  ]);

  const finishWithout = async (state: RunStatus, message: string): Promise<RunJobResult> => {
    const title =
      state === "cancelled" ? "⏹️ cancelled" : state === "budget_exceeded" ? "💸 not started" : "❌ failed";
    await statusComment.write(`### Maestro run \`${data.runId}\`: ${title}\n\n${message}\n`, true);
    await endRun(deps, inst.octokit, data, state);
    return { runId: data.runId, status: state, tasksDone: 0, tasksTotal: 0, costUsd: 0, error: message };
  };

  if (shuttingDown()) throw new HandOver();
  if (signal.aborted) return finishWithout("cancelled", "Cancelled before it started; nothing was changed.");

  try {
    const token = await inst.token();
    const known = { "installation token": token, ...deps.secrets, ...namedSecretsFromEnv(deps.agentEnv) };
    redact = createRedactor(Object.values(known));
    const remoteUrl = deps.remoteUrl(owner, repo);
    const defaultBranch = await getDefaultBranch(inst.octokit, owner, repo);
    const mirrorDir = await ensureMirror({
      dataDir: deps.dataDir,
      owner,
      repo,
      remoteUrl,
      auth: { token },
      signal,
    });

    const cfg = await readMirrorRepoConfig(mirrorDir, defaultBranch);
    if (!cfg.ok)
      throw new RunRefused(`The repository config is invalid, so the run was not started:\n\n${cfg.error}`);
    const config = cfg.config;
    let playbook;
    try {
      // An issue's own checklist: its text is untrusted, no setting comes from it (DESIGN §11).
      playbook = parsePlaybook(data.playbook.source, {
        name: data.playbook.name,
        untrusted: data.playbook.origin === "issue",
      });
    } catch (err) {
      if (err instanceof PlaybookError)
        throw new RunRefused(`Playbook \`${data.playbook.name}\` could not be read: ${err.message}`);
      throw err;
    }
    const fm = playbook.frontMatter;
    const agent = data.agent ?? fm.agent ?? config.agent;

    const choice = deps.agentPolicy
      ? applyAgentPolicy(deps.agentPolicy, agent, config.agentCommand || undefined)
      : { ok: true as const, ...(config.agentCommand ? { agentCommand: config.agentCommand } : {}) };
    if (!choice.ok) throw new RunRefused(`The run was not started. ${choice.refusal}`);
    const problems = await preflight({
      dataDir: deps.dataDir,
      minFreeDiskMb: deps.minFreeDiskMb ?? 0,
      agent,
      env: deps.agentEnv,
    });
    if (deps.sandboxProblem) {
      problems.push(
        `The sandbox that agents and verify commands run in cannot start: ${deps.sandboxProblem}. ` +
          "Until it can, this worker runs no agent (an operator may turn the sandbox off with MAESTRO_SANDBOX=off, at the cost of the isolation described in docs/security.md).",
      );
    }
    if (problems.length > 0)
      throw new RunRefused(
        `This worker cannot run it:\n\n${problems.map((p) => `- ${p}`).join("\n")}\n\nOnce that is fixed: \`/maestro retry ${data.runId}\``,
      );
    const overBudget = await checkDailyBudget(store, repoRef, config.limits.dailyBudgetUsd);
    if (overBudget) return await finishWithout("budget_exceeded", overBudget);
    // Over the repo's maxConcurrentRuns: wait (as a delayed job), not fail; the slot is freed in endRun.
    const slot = await acquireRunSlot(store, repoRef, data.runId, {
      maxConcurrentRuns: config.limits.maxConcurrentRuns,
      maxAgeMs: slotMaxAgeMs(config.limits.runTimeoutMinutes),
    });
    if (!slot.taken) {
      await statusComment.write(
        renderWaitingComment({
          runId: data.runId,
          playbook: data.playbook.name,
          running: slot.running,
          maxConcurrentRuns: config.limits.maxConcurrentRuns,
        }),
        false,
      );
      await job.moveToDelayed(Date.now() + (deps.slotWaitMs ?? 15_000), jobToken);
      throw new DelayedError();
    }
    // Running from here on (until the slot is taken the run stays queued, also for /maestro status).
    await setRunState(store, data.runId, "running");
    // The run's cap never lets the repo's day go past its budget.
    const budgetLeft = config.limits.dailyBudgetUsd - (await spentToday(store, repoRef));

    const chain = await resumeChain(store, data);
    const branch = branchFor(data, chain, config.branchPrefix);
    const worktreesDir = path.join(deps.dataDir, "worktrees");
    const remoteTip = await syncRunBranch({
      mirrorDir,
      branch,
      worktreePath: path.join(worktreesDir, data.runId),
    });
    const baseBranch = data.baseRef ?? defaultBranch;
    let baseRef = `refs/remotes/origin/${baseBranch}`;
    if (data.headRef) {
      if (!remoteTip)
        throw new RunRefused(
          `The pull request's branch \`${branch}\` is gone from the repository, so there is nothing to work on.`,
        );
      baseRef = await followUpBase({ mirrorDir, baseBranch: data.baseRef, branch, chain });
    }

    // Progress for the status comment, folded from the run-log events (run-progress.ts).
    const progress = foldProgress(playbook.tasks.filter((t) => !t.done));
    const startedAt = Date.now();
    // Linked from a collapsed task table's "…" rows while the run is going.
    const progressLogUrl = deps.runLogUrl?.(data.runId);
    const pageUrl = deps.runPageUrl?.(data.runId);
    const status = new StatusUpdater(statusComment, data.runId, deps.statusEditIntervalMs ?? 2000, log, {
      wait: () => spacing.wait(String(data.installationId)),
    });
    const showProgress = () => {
      // A run being handed over shows no stop: the next worker continues the table.
      if (shuttingDown()) return;
      const p = progress.view();
      status.progress(
        renderRunningComment({
          runId: data.runId,
          playbook: data.playbook.name,
          branch,
          tasks: p.tasks,
          ...(p.current !== undefined ? { current: p.current } : {}),
          tasksTotal: p.tasks.length,
          costUsd: p.costUsd,
          agent,
          actor: data.trigger.actor,
          elapsedMs: Date.now() - startedAt,
          tokens: p.tokens,
          ...(p.unpricedModels.length > 0 ? { unpricedModels: p.unpricedModels } : {}),
          ...(progressLogUrl ? { logUrl: progressLogUrl } : {}),
          ...(pageUrl ? { pageUrl } : {}),
        }),
      );
    };
    showProgress();
    const onRunEvent = (e: RunEvent) => {
      if (progress.apply(e)) showProgress();
      if (e.type !== "task.finished") return;
      const p = progress.view();
      void job
        .updateProgress({ tasksFinished: p.tasksFinished, tasksTotal: p.tasks.length, costUsd: p.costUsd })
        .catch(() => undefined);
    };

    // Also to the shared store when there is one; a run resumed here from another worker continues its log.
    const runLog = await RunLogWriter.openShared({
      path: runLogPath(deps.dataDir, data.runId),
      runId: data.runId,
      redact,
      append: true,
      ...(deps.runLogStore
        ? {
            shared: {
              store: deps.runLogStore,
              ...(deps.runLogMaxBytes ? { maxBytes: deps.runLogMaxBytes } : {}),
              log,
            },
          }
        : {}),
      onEvent: onRunEvent,
    });

    let pushError: unknown;
    let pushes: Promise<void> = Promise.resolve();
    const pushFailed = new AbortController();
    let result: RunResult;
    try {
      result = await runPlaybook({
        runId: data.runId,
        repoDir: mirrorDir,
        worktreesDir,
        ...(deps.worktreePoolSize !== undefined
          ? {
              worktreePool: new WorktreePool({
                repoDir: mirrorDir,
                dir: worktreePoolDir(deps.dataDir, owner, repo),
                size: deps.worktreePoolSize,
              }),
            }
          : {}),
        playbook,
        baseRef,
        branch,
        agent,
        ...(choice.agentCommand ? { agentCommand: choice.agentCommand } : {}),
        ...(deps.sandbox ? { sandbox: deps.sandbox } : {}),
        ...((data.model ?? (fm.model || config.model))
          ? { model: data.model ?? (fm.model || config.model) }
          : {}),
        verify: fm.verify ?? config.verify,
        limits: {
          maxCostUsd: Math.max(
            0,
            Math.min(data.maxCostUsd ?? fm.maxCostUsd ?? config.limits.maxCostUsdPerRun, budgetLeft),
          ),
          taskTimeoutMs: minutes(fm.taskTimeoutMinutes ?? config.limits.taskTimeoutMinutes),
          stallTimeoutMs: minutes(config.limits.stallTimeoutMinutes),
          runTimeoutMs: minutes(config.limits.runTimeoutMinutes),
        },
        onTaskFailure: fm.onTaskFailure ?? "stop",
        protectedPaths: config.protectedPaths,
        pricing: config.pricing,
        templateValues: {
          issue: { number: data.issueNumber, ...(data.issue ?? {}) },
          ...(data.args ? { args: data.args } : {}),
          repo: `${owner}/${repo}`,
        },
        trigger: {
          kind: data.trigger.kind,
          actor: data.trigger.actor,
          ...(data.trigger.url ? { url: data.trigger.url } : {}),
        },
        repoLabel: `${owner}/${repo}`,
        author: deps.botIdentity,
        coAuthors: [await requesterIdentity(inst.octokit, data.trigger.actor)],
        env: deps.agentEnv,
        secrets: known,
        signal: AbortSignal.any([signal, pushFailed.signal]),
        log: runLog,
        ...(deps.adapter ? { adapter: deps.adapter } : {}),
        ...agentBinOverride(agent, deps.agentEnv),
        onTaskCommitted: (c) => {
          // The checkpoint push runs while the next task's agent works; pushes stay in order. A failed
          // push stops the run (pushFailed), and the error is rethrown below so the job is retried.
          pushes = pushes.then(async () => {
            if (pushError) return;
            try {
              // A fresh token for each push: runs may outlast the token's hour.
              const pushToken = await inst.token();
              await pushBranch({
                mirror: true,
                repoDir: mirrorDir,
                branch: c.branch,
                remoteUrl,
                auth: { token: pushToken },
              });
            } catch (err) {
              pushError = err;
              pushFailed.abort(err);
            }
          });
          return Promise.resolve();
        },
      });
    } finally {
      await runLog.close();
      // Whatever ended the run (done, cancel, handover), what was committed is on the remote first.
      await pushes;
    }
    // The spend happened whatever comes next; a retry only adds what it spends itself.
    if (result.costUsd > 0) await addCost(store, repoRef, result.costUsd);
    // Stopped because this worker is going away: not the run's end; another worker continues it.
    if (shuttingDown()) throw new HandOver();
    // A failed push is the network's fault, not the run's: retry (resuming from what was pushed).
    if (pushError) throw pushError;

    // The whole log, from this host's file and (when this worker ran only part of the run) the shared store.
    let wholeLog: Promise<WholeRunLog> | undefined;
    const readWhole = () =>
      (wholeLog ??= readWholeRunLog({
        path: runLogPath(deps.dataDir, data.runId),
        runId: data.runId,
        ...(deps.runLogStore ? { store: deps.runLogStore } : {}),
        log,
      }));
    const hasCommits = result.tasks.some((t) => t.sha) || Boolean(remoteTip);
    if (config.runLog.commitToBranch && hasCommits) {
      await commitFileToBranch({
        repoDir: mirrorDir,
        branch,
        filePath: `.maestro/runs/${data.runId}.jsonl`,
        content: Buffer.from((await readWhole()).text),
        message: `Maestro run log ${data.runId}`,
        author: deps.botIdentity,
        trailers: { "Maestro-Run": data.runId },
      });
      await pushBranch({
        mirror: true,
        repoDir: mirrorDir,
        branch,
        remoteUrl,
        auth: { token: await inst.token() },
      });
    }

    const logUrl = deps.runLogUrl?.(data.runId);
    // From the whole log, not this attempt's result: a retried job's earlier attempts did (and paid
    // for) the tasks this one skips.
    const whole = summarizeRunLog((await readWhole()).events);
    const summary: RunSummaryInput = {
      runId: data.runId,
      playbook: data.playbook.name,
      status: result.status,
      branch,
      tasks: progress.view().tasks.map((t) => {
        const o = whole.tasks.find((x) => x.index === t.index);
        return o?.status
          ? {
              ...t,
              status: o.status,
              ...(o.costUsd !== undefined ? { costUsd: o.costUsd } : {}),
              ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
              ...(o.sha ? { sha: o.sha } : {}),
              ...(o.error ? { error: o.error } : {}),
              ...(o.filesChanged !== undefined ? { filesChanged: o.filesChanged } : {}),
              ...(o.files ? { files: o.files } : {}),
              ...(o.summary ? { summary: o.summary } : {}),
              ...(o.verify ? { verify: o.verify } : {}),
            }
          : t;
      }),
      ...(whole.unpricedModels ? { unpricedModels: whole.unpricedModels } : {}),
      tasksDone: result.tasksDone,
      tasksTotal: result.tasksTotal,
      costUsd: whole.costUsd,
      tokens: whole.tokens,
      ...(whole.durationMs !== undefined ? { durationMs: whole.durationMs } : {}),
      actor: data.trigger.actor,
      ...(logUrl ? { logUrl } : {}),
      ...(pageUrl ? { pageUrl } : {}),
      ...(result.error ? { error: redact(result.error) } : {}),
    };

    let prUrl: string | undefined;
    if (data.headRef) {
      prUrl = (await findOpenPullRequest(inst.octokit, { owner, repo, head: branch }))?.url;
    } else if (hasCommits) {
      const pr = await ensureDraftPullRequest(inst.octokit, {
        owner,
        repo,
        head: branch,
        base: baseBranch,
        title: prTitle(data),
        body: renderPullRequestBody({
          ...summary,
          issueNumber: data.issueNumber,
          isPullRequest: data.isPullRequest,
        }),
        ...(deps.prBackoffMs ? { backoffMs: deps.prBackoffMs } : {}),
      });
      prUrl = pr.url;
      // Also when the PR was found rather than made (a lost response, a retry): asking again is harmless.
      const asked = await requestReview(inst.octokit, {
        owner,
        repo,
        pullNumber: pr.number,
        reviewer: data.trigger.actor,
      });
      if (!asked) log.warn({ runId: data.runId, reviewer: data.trigger.actor }, "review request refused");
    }
    if (prUrl) summary.prUrl = prUrl;
    if (hasCommits) await publishCheckRun(deps, inst.octokit, { owner, repo, mirrorDir, branch, summary });
    await status.finish(renderFinishedComment(summary));
    if (data.reviewComments?.length && data.prNumber)
      await answerReviewComments(deps, inst.octokit, data, summary);
    if (result.status === "succeeded") await celebrate(deps, inst.octokit, data);
    await endRun(deps, inst.octokit, data, result.status, prUrl);
    log.info({ runId: data.runId, status: result.status, prUrl }, "run finished");
    return {
      runId: data.runId,
      status: result.status,
      branch,
      tasksDone: result.tasksDone,
      tasksTotal: result.tasksTotal,
      costUsd: summary.costUsd,
      ...(prUrl ? { prUrl } : {}),
      ...(summary.error ? { error: summary.error } : {}),
    };
  } catch (err) {
    if (err instanceof DelayedError) throw err;
    if (err instanceof HandOver || shuttingDown()) throw new HandOver();
    const message = redact(err instanceof Error ? err.message : String(err));
    if (err instanceof RunRefused) return finishWithout("failed", message);
    // git failures a retry cannot fix (credentials, protection rules, a full disk): say so now, once.
    if (err instanceof GitError && PERMANENT_GIT_ERRORS.has(err.kind)) {
      log.error({ runId: data.runId, err: message }, "run stopped on a git error");
      return finishWithout(
        "failed",
        `git refused: ${redact(mainLine(err.stderr) || err.message)}\n\n${gitHint(err.kind)}\n\nWhat was pushed before stays on the branch; once fixed: \`/maestro retry ${data.runId}\``,
      );
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    log.error({ runId: data.runId, err: message, lastAttempt }, "run attempt failed");
    if (lastAttempt) {
      // No retry left: tell the issue, free the repo's slot; what was pushed stays for /maestro retry.
      await finishWithout("failed", `The run stopped on an error: ${message}`).catch(() => undefined);
    }
    // Never let the token ride along in the job's stored failure reason.
    throw err instanceof Error && err.message === message ? err : new Error(message);
  }
}

/** Final bookkeeping: run state, the repo's active slot, and the trigger label. */
async function endRun(
  deps: WorkerDeps,
  octokit: Octokit,
  data: RunJobData,
  state: RunState,
  prUrl?: string,
): Promise<void> {
  await setRunState(deps.store, data.runId, state, prUrl ? { prUrl } : {});
  await markRunInactive(deps.store, { owner: data.repo.owner, name: data.repo.name }, data.runId);
  if (data.trigger.kind === "label") {
    try {
      await octokit.rest.issues.removeLabel({
        owner: data.repo.owner,
        repo: data.repo.name,
        issue_number: data.issueNumber,
        name: `maestro:${data.playbook.name}`,
      });
    } catch (err) {
      // Already removed by someone: fine. Anything else must not undo a finished run.
      if (httpStatus(err) !== 404)
        (deps.log ?? silentLog).warn({ err: String(err) }, "could not remove the trigger label");
    }
  }
}

/** The "Maestro" check run on the branch's head. An app installed without `checks: write` only loses the check. */
async function publishCheckRun(
  deps: WorkerDeps,
  octokit: Octokit,
  input: { owner: string; repo: string; mirrorDir: string; branch: string; summary: RunSummaryInput },
): Promise<void> {
  const { summary } = input;
  const headSha = await resolveRef(input.mirrorDir, `refs/heads/${input.branch}`);
  try {
    await upsertCheckRun(octokit, {
      owner: input.owner,
      repo: input.repo,
      headSha,
      runId: summary.runId,
      status: summary.status,
      title: `${summary.tasksDone}/${summary.tasksTotal} tasks done, ${usd(summary.costUsd)}`,
      summary: renderFinishedComment(summary),
      text: renderTaskDetails(summary.tasks, taskStatusText, BODY_BUDGET_BYTES - 1000),
      // "Details" opens the run's page (the whole story, readable); else the raw log.
      ...(summary.pageUrl || summary.logUrl ? { detailsUrl: summary.pageUrl ?? summary.logUrl } : {}),
    });
  } catch (err) {
    const code = httpStatus(err);
    if (code !== 403 && code !== 404) throw err;
    (deps.log ?? silentLog).warn(
      { runId: summary.runId, status: code },
      "check run refused: grant the app `checks: write` to get one",
    );
  }
}

/** One reply per review comment of a review follow-up, saying what became of it; each posted once. */
async function answerReviewComments(
  deps: WorkerDeps,
  octokit: Octokit,
  data: RunJobData,
  summary: RunSummaryInput,
): Promise<void> {
  for (const c of data.reviewComments ?? []) {
    const key = keys.reviewReply(deps.store.prefix, data.runId, c.id);
    if ((await deps.store.redis.set(key, "1", "EX", 30 * 24 * 3600, "NX")) !== "OK") continue;
    try {
      await replyToReviewComment(octokit, {
        owner: data.repo.owner,
        repo: data.repo.name,
        pullNumber: data.prNumber!,
        commentId: c.id,
        runId: data.runId,
        body: reviewReplyText(c.task, summary),
      });
    } catch (err) {
      await deps.store.redis.del(key);
      throw err;
    }
  }
}

export function reviewReplyText(task: number | undefined, s: RunSummaryInput): string {
  const run = `Maestro run \`${s.runId}\``;
  if (task === undefined)
    return `${run} worked on this review: ${s.tasksDone}/${s.tasksTotal} tasks done (${s.status}). See the pull request's new commits.`;
  const t = s.tasks.find((x) => x.index === task);
  const short = t?.sha ? ` in ${t.sha.slice(0, 7)}` : "";
  switch (t?.status) {
    case "done":
      return `✅ Done${short} (${run}, task ${task + 1}).`;
    case "skipped":
      return `✅ Done earlier in this run${short} (${run}, task ${task + 1}).`;
    case "failed":
    case "timeout":
      return `❌ Not done: task ${task + 1} of ${run} ${t.status === "timeout" ? "timed out" : "failed"}${t.error ? ` (${t.error.replace(/\s+/g, " ").slice(0, 300)})` : ""}. Nothing of it was committed.`;
    default:
      return `⏹️ Not done: ${run} ended (${s.status}) before it reached this comment. \`/maestro retry ${s.runId}\` continues it.`;
  }
}

/** 🚀 on what triggered a run that succeeded; a lost reaction is not worth failing the run. */
async function celebrate(deps: WorkerDeps, octokit: Octokit, data: RunJobData): Promise<void> {
  const base = { owner: data.repo.owner, repo: data.repo.name };
  const target: ReactionTarget | null = data.trigger.commentId
    ? { kind: "comment", ...base, commentId: data.trigger.commentId }
    : data.trigger.kind === "label"
      ? { kind: "issue", ...base, issueNumber: data.issueNumber }
      : null;
  if (!target) return;
  try {
    await react(octokit, target, "succeeded");
  } catch (err) {
    (deps.log ?? silentLog).warn({ runId: data.runId, err: String(err) }, "could not add the 🚀 reaction");
  }
}

async function getDefaultBranch(octokit: Octokit, owner: string, repo: string): Promise<string> {
  const { data } = await octokit.rest.repos.get({ owner, repo });
  return data.default_branch;
}

/** The requester as co-author, with GitHub's noreply address (id+login form when the id is known). */
async function requesterIdentity(octokit: Octokit, login: string): Promise<GitIdentity> {
  try {
    const { data } = await octokit.rest.users.getByUsername({ username: login });
    return { name: data.name || login, email: `${data.id}+${login}@users.noreply.github.com` };
  } catch {
    return { name: login, email: `${login}@users.noreply.github.com` };
  }
}

function prTitle(data: RunJobData): string {
  const what = data.issue?.title
    ? data.issue.title.replace(/\s+/g, " ").trim().slice(0, 120)
    : `playbook ${data.playbook.name}`;
  return `Maestro: ${what} (#${data.issueNumber})`;
}

function agentBinOverride(agent: string, env: NodeJS.ProcessEnv): { agentBin?: string } {
  const bin = env[`MAESTRO_${agent.toUpperCase().replace(/-/g, "_")}_BIN`];
  return bin ? { agentBin: bin } : {};
}

function minutes(m: number): number {
  return Math.round(m * 60_000);
}

export type { Installation };
