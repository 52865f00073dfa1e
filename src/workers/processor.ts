// The BullMQ processor (DESIGN §1 "Worker", §6, §7): a queued run becomes pushed commits, a draft PR
// and a final status comment. Engine outcomes (succeeded, failed, cancelled, budget_exceeded,
// timeout) complete the job; infrastructure errors (GitHub 5xx, git network) throw, so BullMQ
// retries and the retry resumes from the pushed commits.
import { applyAgentPolicy } from "../config/agent-policy.js";
import path from "node:path";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { runPlaybook } from "../engine/run-playbook.js";
import type { GitIdentity, RunPlaybookOptions, RunResult } from "../engine/types.js";
import type { AgentName } from "../agents/types.js";
import type { RepoConfig } from "../config/repo-config.js";
import type { Playbook } from "../playbooks/types.js";
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
  type SummaryTask,
  taskStatusText,
  usd,
} from "../github/run-summary.js";
import { renderTaskDetails } from "../github/task-details.js";
import type { RunEvent } from "../runlog/events.js";
import { foldProgress, type ProgressFold } from "./run-progress.js";
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
import { summarizeRunLog, type RunLogSummary } from "../runlog/summary.js";
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

/** What every step of a run shares: the job, its installation, its status comment and its redactor. */
interface RunCtx {
  spacing: EditSpacing;
  deps: WorkerDeps;
  job: Job;
  jobToken: string | undefined;
  data: RunJobData;
  signal: AbortSignal;
  shuttingDown: () => boolean;
  log: NonNullable<WorkerDeps["log"]>;
  repoRef: { owner: string; name: string };
  owner: string;
  repo: string;
  inst: Installation;
  statusComment: RunStatusComment;
  /** Grows once the installation token is known. */
  redact: Redactor;
}

/** What the run works with, read before it starts: token, mirror, config, playbook, agent. */
interface RunSetup {
  token: string;
  known: Record<string, string>;
  remoteUrl: string;
  defaultBranch: string;
  mirrorDir: string;
  config: RepoConfig;
  playbook: Playbook;
  agent: AgentName;
  agentCommand?: string;
}

/** Where the run works: its branch, what it starts from, what the remote already has. */
interface RunPlace {
  branch: string;
  baseBranch: string;
  baseRef: string;
  remoteTip: string | null;
  worktreesDir: string;
  budgetLeft: number;
}

/** The run's status comment while it works, fed by the run-log events. */
interface RunTracking {
  progress: ProgressFold;
  status: StatusUpdater;
  onRunEvent: (e: RunEvent) => void;
  logUrl?: string;
  pageUrl?: string;
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
  const ctx = await openRun({ spacing, deps, job, jobToken, data, signal, shuttingDown });
  if (shuttingDown()) throw new HandOver();
  if (signal.aborted)
    return finishWithout(ctx, "cancelled", "Cancelled before it started; nothing was changed.");
  try {
    const setup = await prepareRun(ctx);
    const refused = await admitRun(ctx, setup);
    if (refused) return refused;
    const place = await prepareBranch(ctx, setup);
    const tracking = trackProgress(ctx, setup, place);
    const { result, readWhole } = await executeRun(ctx, setup, place, tracking);
    return await publishRun(ctx, setup, place, tracking, result, readWhole);
  } catch (err) {
    return await failRun(ctx, err);
  }
}

async function openRun(
  base: Pick<RunCtx, "spacing" | "deps" | "job" | "jobToken" | "data" | "signal" | "shuttingDown">,
): Promise<RunCtx> {
  const { deps, data } = base;
  const owner = data.repo.owner;
  const repo = data.repo.name;
  const inst = await deps.installation(data.installationId);
  const target = {
    owner,
    repo,
    issueNumber: data.issueNumber,
    runId: data.runId,
    ...(data.statusCommentId ? { commentId: data.statusCommentId } : {}),
  };
  return {
    ...base,
    log: deps.log ?? silentLog,
    repoRef: { owner, name: repo },
    owner,
    repo,
    inst,
    statusComment: new RunStatusComment(inst.octokit, deps.store, target),
    redact: createRedactor([...Object.values(deps.secrets ?? {}), ...secretsFromEnv(deps.agentEnv)]),
  };
}

/** The run ends before any task: the status comment says why; the repo's slot is freed. */
async function finishWithout(ctx: RunCtx, state: RunStatus, message: string): Promise<RunJobResult> {
  const { data } = ctx;
  const title =
    state === "cancelled" ? "⏹️ cancelled" : state === "budget_exceeded" ? "💸 not started" : "❌ failed";
  await ctx.statusComment.write(`### Maestro run \`${data.runId}\`: ${title}\n\n${message}\n`, true);
  await endRun(ctx.deps, ctx.inst.octokit, data, state);
  return { runId: data.runId, status: state, tasksDone: 0, tasksTotal: 0, costUsd: 0, error: message };
}

/** Token, mirror, config, playbook and agent; a run that cannot go on here is refused with the reason. */
async function prepareRun(ctx: RunCtx): Promise<RunSetup> {
  const { deps, data, owner, repo, inst } = ctx;
  const token = await inst.token();
  const known = { "installation token": token, ...deps.secrets, ...namedSecretsFromEnv(deps.agentEnv) };
  ctx.redact = createRedactor(Object.values(known));
  const remoteUrl = deps.remoteUrl(owner, repo);
  const defaultBranch = await getDefaultBranch(inst.octokit, owner, repo);
  const mirrorDir = await ensureMirror({
    dataDir: deps.dataDir,
    owner,
    repo,
    remoteUrl,
    auth: { token },
    signal: ctx.signal,
  });
  const cfg = await readMirrorRepoConfig(mirrorDir, defaultBranch);
  if (!cfg.ok)
    throw new RunRefused(`The repository config is invalid, so the run was not started:\n\n${cfg.error}`);
  const config = cfg.config;
  const playbook = readPlaybook(data);
  const agent = data.agent ?? playbook.frontMatter.agent ?? config.agent;
  const choice = deps.agentPolicy
    ? applyAgentPolicy(deps.agentPolicy, agent, config.agentCommand || undefined)
    : { ok: true as const, ...(config.agentCommand ? { agentCommand: config.agentCommand } : {}) };
  if (!choice.ok) throw new RunRefused(`The run was not started. ${choice.refusal}`);
  await refuseWhenUnable(ctx, agent);
  return {
    token,
    known,
    remoteUrl,
    defaultBranch,
    mirrorDir,
    config,
    playbook,
    agent,
    ...(choice.agentCommand ? { agentCommand: choice.agentCommand } : {}),
  };
}

function readPlaybook(data: RunJobData): Playbook {
  try {
    // An issue's own checklist: its text is untrusted, no setting comes from it (DESIGN §11).
    return parsePlaybook(data.playbook.source, {
      name: data.playbook.name,
      untrusted: data.playbook.origin === "issue",
    });
  } catch (err) {
    if (err instanceof PlaybookError)
      throw new RunRefused(`Playbook \`${data.playbook.name}\` could not be read: ${err.message}`);
    throw err;
  }
}

/** This worker's own problems (disk, agent binary, sandbox): the run is refused with each and its fix. */
async function refuseWhenUnable(ctx: RunCtx, agent: AgentName): Promise<void> {
  const { deps } = ctx;
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
      `This worker cannot run it:\n\n${problems.map((p) => `- ${p}`).join("\n")}\n\nOnce that is fixed: \`/maestro retry ${ctx.data.runId}\``,
    );
}

/**
 * The repo's daily budget and its maxConcurrentRuns: over the budget the run ends unstarted (its result is
 * returned); over the concurrency the job waits as a delayed job (DelayedError). Undefined: it runs.
 */
async function admitRun(ctx: RunCtx, setup: RunSetup): Promise<RunJobResult | undefined> {
  const { deps, data, repoRef } = ctx;
  const { limits } = setup.config;
  const overBudget = await checkDailyBudget(deps.store, repoRef, limits.dailyBudgetUsd);
  if (overBudget) return finishWithout(ctx, "budget_exceeded", overBudget);
  // The slot is freed in endRun.
  const slot = await acquireRunSlot(deps.store, repoRef, data.runId, {
    maxConcurrentRuns: limits.maxConcurrentRuns,
    maxAgeMs: slotMaxAgeMs(limits.runTimeoutMinutes),
  });
  if (!slot.taken) {
    await ctx.statusComment.write(
      renderWaitingComment({
        runId: data.runId,
        playbook: data.playbook.name,
        running: slot.running,
        maxConcurrentRuns: limits.maxConcurrentRuns,
      }),
      false,
    );
    await ctx.job.moveToDelayed(Date.now() + (deps.slotWaitMs ?? 15_000), ctx.jobToken);
    throw new DelayedError();
  }
  // Running from here on (until the slot is taken the run stays queued, also for /maestro status).
  await setRunState(deps.store, data.runId, "running");
  return undefined;
}

/** The run's branch, synced with the remote (a resumed run goes on from what was pushed), and its base. */
async function prepareBranch(ctx: RunCtx, setup: RunSetup): Promise<RunPlace> {
  const { deps, data } = ctx;
  const { config, mirrorDir } = setup;
  // The run's cap never lets the repo's day go past its budget.
  const budgetLeft = config.limits.dailyBudgetUsd - (await spentToday(deps.store, ctx.repoRef));
  const chain = await resumeChain(deps.store, data);
  const branch = branchFor(data, chain, config.branchPrefix);
  const worktreesDir = path.join(deps.dataDir, "worktrees");
  const remoteTip = await syncRunBranch({
    mirrorDir,
    branch,
    worktreePath: path.join(worktreesDir, data.runId),
  });
  const baseBranch = data.baseRef ?? setup.defaultBranch;
  let baseRef = `refs/remotes/origin/${baseBranch}`;
  if (data.headRef) {
    if (!remoteTip)
      throw new RunRefused(
        `The pull request's branch \`${branch}\` is gone from the repository, so there is nothing to work on.`,
      );
    baseRef = await followUpBase({ mirrorDir, baseBranch: data.baseRef, branch, chain });
  }
  return { branch, baseBranch, baseRef, remoteTip, worktreesDir, budgetLeft };
}

/** The status comment while the run works: progress folded from the run-log events (run-progress.ts). */
function trackProgress(ctx: RunCtx, setup: RunSetup, place: RunPlace): RunTracking {
  const { deps, data } = ctx;
  const progress = foldProgress(setup.playbook.tasks.filter((t) => !t.done));
  const startedAt = Date.now();
  // Linked from a collapsed task table's "…" rows while the run is going.
  const logUrl = deps.runLogUrl?.(data.runId);
  const pageUrl = deps.runPageUrl?.(data.runId);
  const status = new StatusUpdater(
    ctx.statusComment,
    data.runId,
    deps.statusEditIntervalMs ?? 2000,
    ctx.log,
    {
      wait: () => ctx.spacing.wait(String(data.installationId)),
    },
  );
  const show = () => {
    // A run being handed over shows no stop: the next worker continues the table.
    if (ctx.shuttingDown()) return;
    const p = progress.view();
    status.progress(
      renderRunningComment({
        runId: data.runId,
        playbook: data.playbook.name,
        branch: place.branch,
        tasks: p.tasks,
        ...(p.current !== undefined ? { current: p.current } : {}),
        tasksTotal: p.tasks.length,
        costUsd: p.costUsd,
        agent: setup.agent,
        actor: data.trigger.actor,
        elapsedMs: Date.now() - startedAt,
        tokens: p.tokens,
        ...(p.unpricedModels.length > 0 ? { unpricedModels: p.unpricedModels } : {}),
        ...(logUrl ? { logUrl } : {}),
        ...(pageUrl ? { pageUrl } : {}),
      }),
    );
  };
  show();
  const onRunEvent = (e: RunEvent) => {
    if (progress.apply(e)) show();
    if (e.type !== "task.finished") return;
    const p = progress.view();
    void ctx.job
      .updateProgress({ tasksFinished: p.tasksFinished, tasksTotal: p.tasks.length, costUsd: p.costUsd })
      .catch(() => undefined);
  };
  return { progress, status, onRunEvent, ...(logUrl ? { logUrl } : {}), ...(pageUrl ? { pageUrl } : {}) };
}

/**
 * The engine's run, each task's commit pushed while the next one works. Ends with the run's result and a
 * reader of its whole log (this host's file, completed from the shared store).
 */
async function executeRun(
  ctx: RunCtx,
  setup: RunSetup,
  place: RunPlace,
  tracking: RunTracking,
): Promise<{ result: RunResult; readWhole: () => Promise<WholeRunLog> }> {
  const { deps, data } = ctx;
  const runLog = await openRunLog(ctx, tracking.onRunEvent);
  const pushes = checkpointPusher(ctx, setup);
  let result: RunResult;
  try {
    result = await runPlaybook({
      ...engineOptions(ctx, setup, place),
      coAuthors: [await requesterIdentity(ctx.inst.octokit, data.trigger.actor)],
      signal: AbortSignal.any([ctx.signal, pushes.failed]),
      log: runLog,
      onTaskCommitted: (c) => pushes.push(c.branch),
    });
  } finally {
    await runLog.close();
    // Whatever ended the run (done, cancel, handover), what was committed is on the remote first.
    await pushes.settled();
  }
  // The spend happened whatever comes next; a retry only adds what it spends itself.
  if (result.costUsd > 0) await addCost(deps.store, ctx.repoRef, result.costUsd);
  // Stopped because this worker is going away: not the run's end; another worker continues it.
  if (ctx.shuttingDown()) throw new HandOver();
  // A failed push is the network's fault, not the run's: retry (resuming from what was pushed).
  const pushError = pushes.error();
  if (pushError) throw pushError;
  let whole: Promise<WholeRunLog> | undefined;
  const readWhole = () =>
    (whole ??= readWholeRunLog({
      path: runLogPath(deps.dataDir, data.runId),
      runId: data.runId,
      ...(deps.runLogStore ? { store: deps.runLogStore } : {}),
      log: ctx.log,
    }));
  return { result, readWhole };
}

/** The run's log: this host's file, and the shared store when there is one (a resumed run continues it). */
function openRunLog(ctx: RunCtx, onEvent: (e: RunEvent) => void): Promise<RunLogWriter> {
  const { deps, data } = ctx;
  return RunLogWriter.openShared({
    path: runLogPath(deps.dataDir, data.runId),
    runId: data.runId,
    redact: ctx.redact,
    append: true,
    ...(deps.runLogStore
      ? {
          shared: {
            store: deps.runLogStore,
            ...(deps.runLogMaxBytes ? { maxBytes: deps.runLogMaxBytes } : {}),
            log: ctx.log,
          },
        }
      : {}),
    onEvent,
  });
}

/**
 * Pushes of each task's commit, in order, while the next task works. A failed push stops the run
 * (`failed` aborts) and is rethrown after it, so the job is retried.
 */
function checkpointPusher(ctx: RunCtx, setup: RunSetup) {
  let pushError: unknown;
  let pushes: Promise<void> = Promise.resolve();
  const failed = new AbortController();
  return {
    failed: failed.signal,
    push(branch: string): Promise<void> {
      pushes = pushes.then(async () => {
        if (pushError) return;
        try {
          // A fresh token for each push: runs may outlast the token's hour.
          await pushBranch({
            mirror: true,
            repoDir: setup.mirrorDir,
            branch,
            remoteUrl: setup.remoteUrl,
            auth: { token: await ctx.inst.token() },
          });
        } catch (err) {
          pushError = err;
          failed.abort(err);
        }
      });
      return Promise.resolve();
    },
    settled: () => pushes,
    error: () => pushError,
  };
}

/** Everything the engine needs from the job, the config and the playbook's front matter. */
function engineOptions(
  ctx: RunCtx,
  setup: RunSetup,
  place: RunPlace,
): Omit<RunPlaybookOptions, "signal" | "log" | "coAuthors" | "onTaskCommitted"> {
  const { deps, data, owner, repo } = ctx;
  const { config, playbook, agent, mirrorDir } = setup;
  const fm = playbook.frontMatter;
  const model = data.model ?? (fm.model || config.model);
  return {
    runId: data.runId,
    repoDir: mirrorDir,
    worktreesDir: place.worktreesDir,
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
    baseRef: place.baseRef,
    branch: place.branch,
    agent,
    ...(setup.agentCommand ? { agentCommand: setup.agentCommand } : {}),
    ...(deps.sandbox ? { sandbox: deps.sandbox } : {}),
    ...(model ? { model } : {}),
    verify: fm.verify ?? config.verify,
    limits: {
      maxCostUsd: Math.max(
        0,
        Math.min(data.maxCostUsd ?? fm.maxCostUsd ?? config.limits.maxCostUsdPerRun, place.budgetLeft),
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
    env: deps.agentEnv,
    secrets: setup.known,
    ...(deps.adapter ? { adapter: deps.adapter } : {}),
    ...agentBinOverride(agent, deps.agentEnv),
  };
}

/** After the run: the log on the branch when asked, the draft PR, the check run, the final status comment. */
async function publishRun(
  ctx: RunCtx,
  setup: RunSetup,
  place: RunPlace,
  tracking: RunTracking,
  result: RunResult,
  readWhole: () => Promise<WholeRunLog>,
): Promise<RunJobResult> {
  const { deps, data, inst, owner, repo } = ctx;
  const hasCommits = result.tasks.some((t) => t.sha) || Boolean(place.remoteTip);
  if (setup.config.runLog.commitToBranch && hasCommits) await commitRunLog(ctx, setup, place, readWhole);
  // From the whole log, not this attempt's result: a retried job's earlier attempts did (and paid
  // for) the tasks this one skips.
  const summary = runSummary({
    data,
    branch: place.branch,
    planned: tracking.progress.view().tasks,
    whole: summarizeRunLog((await readWhole()).events),
    result,
    redact: ctx.redact,
    ...(tracking.logUrl ? { logUrl: tracking.logUrl } : {}),
    ...(tracking.pageUrl ? { pageUrl: tracking.pageUrl } : {}),
  });
  const prUrl = data.headRef
    ? (await findOpenPullRequest(inst.octokit, { owner, repo, head: place.branch }))?.url
    : hasCommits
      ? await openDraftPullRequest(ctx, place, summary)
      : undefined;
  if (prUrl) summary.prUrl = prUrl;
  if (hasCommits)
    await publishCheckRun(deps, inst.octokit, {
      owner,
      repo,
      mirrorDir: setup.mirrorDir,
      branch: place.branch,
      summary,
    });
  await tracking.status.finish(renderFinishedComment(summary));
  if (data.reviewComments?.length && data.prNumber)
    await answerReviewComments(deps, inst.octokit, data, summary);
  if (result.status === "succeeded") await celebrate(deps, inst.octokit, data);
  await endRun(deps, inst.octokit, data, result.status, prUrl);
  ctx.log.info({ runId: data.runId, status: result.status, prUrl }, "run finished");
  return {
    runId: data.runId,
    status: result.status,
    branch: place.branch,
    tasksDone: result.tasksDone,
    tasksTotal: result.tasksTotal,
    costUsd: summary.costUsd,
    ...(prUrl ? { prUrl } : {}),
    ...(summary.error ? { error: summary.error } : {}),
  };
}

/** runLog.commitToBranch: the whole JSONL log as .maestro/runs/<runId>.jsonl on the run's branch, pushed. */
async function commitRunLog(
  ctx: RunCtx,
  setup: RunSetup,
  place: RunPlace,
  readWhole: () => Promise<WholeRunLog>,
): Promise<void> {
  const { deps, data } = ctx;
  await commitFileToBranch({
    repoDir: setup.mirrorDir,
    branch: place.branch,
    filePath: `.maestro/runs/${data.runId}.jsonl`,
    content: Buffer.from((await readWhole()).text),
    message: `Maestro run log ${data.runId}`,
    author: deps.botIdentity,
    trailers: { "Maestro-Run": data.runId },
  });
  await pushBranch({
    mirror: true,
    repoDir: setup.mirrorDir,
    branch: place.branch,
    remoteUrl: setup.remoteUrl,
    auth: { token: await ctx.inst.token() },
  });
}

/** The draft PR (made, or found after a lost answer), with the requester asked to review it. */
async function openDraftPullRequest(ctx: RunCtx, place: RunPlace, summary: RunSummaryInput): Promise<string> {
  const { deps, data, inst, owner, repo } = ctx;
  const pr = await ensureDraftPullRequest(inst.octokit, {
    owner,
    repo,
    head: place.branch,
    base: place.baseBranch,
    title: prTitle(data),
    body: renderPullRequestBody({
      ...summary,
      issueNumber: data.issueNumber,
      isPullRequest: data.isPullRequest,
    }),
    ...(deps.prBackoffMs ? { backoffMs: deps.prBackoffMs } : {}),
  });
  // Also when the PR was found rather than made (a lost response, a retry): asking again is harmless.
  const asked = await requestReview(inst.octokit, {
    owner,
    repo,
    pullNumber: pr.number,
    reviewer: data.trigger.actor,
  });
  if (!asked) ctx.log.warn({ runId: data.runId, reviewer: data.trigger.actor }, "review request refused");
  return pr.url;
}

/** What GitHub is shown of a finished run, from its whole log (pure). */
export function runSummary(input: {
  data: Pick<RunJobData, "runId" | "playbook" | "trigger">;
  branch: string;
  planned: SummaryTask[];
  whole: RunLogSummary;
  result: Pick<RunResult, "status" | "tasksDone" | "tasksTotal" | "error">;
  redact: Redactor;
  logUrl?: string;
  pageUrl?: string;
}): RunSummaryInput {
  const { whole, result } = input;
  return {
    runId: input.data.runId,
    playbook: input.data.playbook.name,
    status: result.status,
    branch: input.branch,
    tasks: input.planned.map((t) => {
      const o = whole.tasks.find((x) => x.index === t.index);
      return o?.status ? { ...t, ...withoutUndefined({ ...o, text: t.text }) } : t;
    }),
    ...(whole.unpricedModels ? { unpricedModels: whole.unpricedModels } : {}),
    tasksDone: result.tasksDone,
    tasksTotal: result.tasksTotal,
    costUsd: whole.costUsd,
    tokens: whole.tokens,
    ...(whole.durationMs !== undefined ? { durationMs: whole.durationMs } : {}),
    actor: input.data.trigger.actor,
    ...(input.logUrl ? { logUrl: input.logUrl } : {}),
    ...(input.pageUrl ? { pageUrl: input.pageUrl } : {}),
    ...(result.error ? { error: input.redact(result.error) } : {}),
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A run that threw: delayed and handed-over runs pass through; the run's own refusals and permanent git
 * errors end it with their reason; anything else is retried by BullMQ (the last attempt tells the issue).
 */
async function failRun(ctx: RunCtx, err: unknown): Promise<RunJobResult> {
  const { data, job, log, redact } = ctx;
  if (err instanceof DelayedError) throw err;
  if (err instanceof HandOver || ctx.shuttingDown()) throw new HandOver();
  const message = redact(err instanceof Error ? err.message : String(err));
  if (err instanceof RunRefused) return finishWithout(ctx, "failed", message);
  // git failures a retry cannot fix (credentials, protection rules, a full disk): say so now, once.
  if (err instanceof GitError && PERMANENT_GIT_ERRORS.has(err.kind)) {
    log.error({ runId: data.runId, err: message }, "run stopped on a git error");
    return finishWithout(
      ctx,
      "failed",
      `git refused: ${redact(mainLine(err.stderr) || err.message)}\n\n${gitHint(err.kind)}\n\nWhat was pushed before stays on the branch; once fixed: \`/maestro retry ${data.runId}\``,
    );
  }
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  log.error({ runId: data.runId, err: message, lastAttempt }, "run attempt failed");
  if (lastAttempt) {
    // No retry left: tell the issue, free the repo's slot; what was pushed stays for /maestro retry.
    await finishWithout(ctx, "failed", `The run stopped on an error: ${message}`).catch(() => undefined);
  }
  // Never let the token ride along in the job's stored failure reason.
  throw err instanceof Error && err.message === message ? err : new Error(message);
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
