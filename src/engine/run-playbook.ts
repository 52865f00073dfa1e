// The run loop shared by the CLI and the worker (DESIGN §1, §6, §7): one fresh agent session per
// unfinished task, verify, one commit per finished task, events to the run log. No GitHub, no Redis.
import { getAgentAdapter } from "../agents/registry.js";
import type { AgentResult } from "../agents/types.js";
import { committedTasks, type CommittedTask } from "../git/checkpoints.js";
import { openCommitSession, type CommitSession } from "../git/commit.js";
import { findProtectedChanges } from "../git/protected-paths.js";
import { runGit } from "../git/run-git.js";
import { trustedGitDir, WORKTREE_SAFE_CONFIG, worktreeGitEnv, worktreeHead } from "../git/worktree-git.js";
import { RunSandbox } from "../sandbox/run-sandbox.js";
import { createWorktree, removeWorktree } from "../git/worktree.js";
import { buildTaskPrompt } from "../playbooks/prompt.js";
import { fenceUntrusted } from "../security/sanitize.js";
import { createSecretFinder } from "../security/redact.js";
import { costUnknownMessage, priceOf, roundUsd } from "../agents/pricing.js";
import type { PlaybookTask } from "../playbooks/types.js";
import type { RunStatus, TaskStatus } from "../runlog/events.js";
import fs from "node:fs";
import path from "node:path";
import { CostTracker } from "./cost-tracker.js";
import { StopController, type StopReason } from "./stop-controller.js";
import type { RunPlaybookOptions, RunResult, TaskOutcome } from "./types.js";
import { runVerify, type VerifyResult } from "./verify.js";

export async function runPlaybook(opts: RunPlaybookOptions): Promise<RunResult> {
  const started = Date.now();
  const { log, playbook } = opts;
  const cost = new CostTracker(opts.limits.maxCostUsd);
  const findSecrets =
    opts.secrets && Object.keys(opts.secrets).length > 0 ? createSecretFinder(opts.secrets) : undefined;
  const stop = new StopController(opts.signal, opts.limits.runTimeoutMs);
  const pending = playbook.tasks.filter((t) => !t.done);
  const outcomes: TaskOutcome[] = [];
  const pool = opts.worktreePool;
  let worktreePath = path.join(opts.worktreesDir, opts.runId);
  let baseSha = "";
  let status: RunStatus = "succeeded";
  let runError: string | undefined;
  let worktreeReady = false;
  let commits: CommitSession | undefined;
  let sandbox: RunSandbox | undefined;

  try {
    const wantBranch = { branch: opts.branch, baseRef: opts.baseRef, reuseBranch: true };
    const wt = pool
      ? await pool.acquire({ ...wantBranch, ...(opts.signal ? { signal: opts.signal } : {}) })
      : await createWorktree({ repoDir: opts.repoDir, worktreePath, ...wantBranch });
    worktreePath = wt.path;
    worktreeReady = true;
    baseSha = wt.baseSha;
    // Read now, before any agent ran in it: from here on Maestro's git uses this, never what .git says later.
    const gitDir = trustedGitDir(wt.path);
    const dotGit = fs.readFileSync(path.join(wt.path, ".git"));
    // A branch made just now from the base holds no task commit: no `git log` to ask.
    const checkpoints =
      "created" in wt && wt.created
        ? Promise.resolve(new Map<number, CommittedTask>())
        : committedTasks({ cwd: wt.path, baseRef: baseSha });
    // One helper process stages and commits every task of the run (src/git/commit.ts). Started while
    // `git log` runs, so the blocking part of its spawn overlaps that process instead of adding to the run.
    commits = openCommitSession({ cwd: wt.path, author: opts.author });
    commits.start();
    const done = await checkpoints;
    if (opts.sandbox) {
      sandbox = await RunSandbox.open({
        ...opts.sandbox,
        worktree: wt.path,
        gitDir,
        agent: opts.agent,
        env: opts.env,
      });
    }

    log.write({
      type: "run.started",
      playbook: playbook.name,
      repo: opts.repoLabel,
      baseRef: opts.baseRef,
      branch: opts.branch,
      agent: opts.agent,
      ...(opts.model ? { model: opts.model } : {}),
      trigger: opts.trigger,
      tasksTotal: pending.length,
    });

    const unpriced = unpricedBeforeStart(opts);
    if (unpriced) throw new Error(unpriced);

    for (const [n, task] of pending.entries()) {
      const checkpoint = done.get(task.index);
      if (checkpoint) {
        log.write({ type: "task.finished", index: task.index, status: "skipped", durationMs: 0, costUsd: 0 });
        outcomes.push({
          index: task.index,
          text: task.text,
          status: "skipped",
          costUsd: 0,
          durationMs: 0,
          sha: checkpoint.sha,
        });
        continue;
      }
      const reason = stop.reason() ?? (cost.overCap() ? "budget" : undefined);
      if (reason) {
        status = runStatusFor(reason);
        break;
      }
      const outcome = await runTask({
        opts,
        task,
        taskNumber: n + 1,
        tasksTotal: pending.length,
        cwd: wt.path,
        git: { dir: gitDir, dotGit },
        ...(findSecrets ? { findSecrets } : {}),
        ...(sandbox ? { sandbox } : {}),
        commits,
        cost,
        stop,
      });
      outcomes.push(outcome);
      if (outcome.status === "done") continue;

      const stopReason =
        stop.reason() ?? (outcome.status === "cancelled" && cost.overCap() ? "budget" : undefined);
      if (stopReason) {
        status = runStatusFor(stopReason);
        break;
      }
      if (outcome.status === "timeout" || outcome.status === "stalled" || outcome.status === "failed") {
        status = "failed";
        if (opts.onTaskFailure === "stop") {
          if (outcome.status === "timeout") status = "timeout";
          break;
        }
        // The next task starts from the last commit, not from this task's leftovers.
        await resetWorktree(wt.path, gitDir);
      }
    }
  } catch (err) {
    status = stopReasonStatus(stop.reason()) ?? "failed";
    runError = err instanceof Error ? err.message : String(err);
  } finally {
    if (stop.reason() === "cost_unknown") runError ??= describeStop("cost_unknown", cost);
    stop.dispose();
    await commits?.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
  }

  const tasksDone = outcomes.filter((o) => o.status === "done" || o.status === "skipped").length;
  if (status === "succeeded" && tasksDone < pending.length) status = "failed";
  const durationMs = Date.now() - started;
  log.write({
    type: "run.finished",
    status,
    tasksDone,
    tasksTotal: pending.length,
    costUsd: cost.costUsd,
    tokens: cost.tokens,
    durationMs,
    ...(runError ? { error: runError } : {}),
    ...(cost.unpricedModels.length > 0 ? { unpricedModels: cost.unpricedModels } : {}),
  });

  if (worktreeReady && pool) {
    await pool.release({ path: worktreePath }).catch(() => undefined);
  } else if (worktreeReady && !opts.keepWorktree) {
    await removeWorktree(opts.repoDir, worktreePath, { force: true }).catch(() => undefined);
  }

  return {
    runId: opts.runId,
    status,
    branch: opts.branch,
    baseSha,
    worktreePath,
    tasksDone,
    tasksTotal: pending.length,
    tasks: outcomes,
    costUsd: cost.costUsd,
    tokens: cost.tokens,
    durationMs,
    ...(runError ? { error: runError } : {}),
    ...(cost.unpricedModels.length > 0 ? { unpricedModels: cost.unpricedModels } : {}),
  };
}

/**
 * Under a cost cap, a model Maestro must price but cannot is refused before any session starts (when the agent
 * can say which model it will use); otherwise the first unpriced usage stops the run (runSession).
 */
function unpricedBeforeStart(opts: RunPlaybookOptions): string | undefined {
  if (opts.limits.maxCostUsd === undefined) return undefined;
  const adapter = opts.adapter ?? getAgentAdapter(opts.agent);
  const model = adapter.expectedModel?.({ ...(opts.model ? { model: opts.model } : {}), baseEnv: opts.env });
  if (!model || priceOf(model, opts.pricing)) return undefined;
  return `${costUnknownMessage(model)}. A cost cap applies, so the run did not start rather than count its cost as $0.`;
}

interface TaskContext {
  opts: RunPlaybookOptions;
  task: PlaybookTask;
  taskNumber: number;
  tasksTotal: number;
  cwd: string;
  /** The worktree's real git dir and the `.git` file's bytes, read before any agent ran. */
  git: { dir: string; dotGit: Buffer };
  /** Searches a text for the secrets Maestro knows (see RunPlaybookOptions.secrets). */
  findSecrets?: (text: string) => string[];
  sandbox?: RunSandbox;
  commits: CommitSession;
  cost: CostTracker;
  stop: StopController;
}

/**
 * One task. Whatever its end, the branch is left at a commit Maestro made: an agent's own commits are folded
 * into the task's commit (done) or taken off the branch (any other end), never pushed as they are.
 */
async function runTask(ctx: TaskContext): Promise<TaskOutcome> {
  const startSha = await worktreeHead(ctx.git.dir, ctx.cwd);
  const outcome = await attemptTask(ctx, startSha);
  // A task that failed after Maestro's own commit (its push, say) keeps that commit.
  if (!outcome.sha) await foldAgentCommits(ctx, startSha).catch(() => undefined);
  return outcome;
}

async function attemptTask(ctx: TaskContext, startSha: string): Promise<TaskOutcome> {
  const { opts, task, cost } = ctx;
  const { log } = opts;
  const started = Date.now();
  const costBefore = cost.costUsd;
  log.write({ type: "task.started", index: task.index, text: task.text });

  const finish = (
    status: TaskStatus,
    extra: { error?: string; sha?: string; summary?: string; filesChanged?: number } = {},
  ): TaskOutcome => {
    const costUsd = roundUsd(cost.costUsd - costBefore);
    const durationMs = Date.now() - started;
    log.write({
      type: "task.finished",
      index: task.index,
      status,
      durationMs,
      costUsd,
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.filesChanged !== undefined ? { filesChanged: extra.filesChanged } : {}),
      ...(extra.summary ? { summary: extra.summary } : {}),
    });
    return { index: task.index, text: task.text, status, costUsd, durationMs, ...extra };
  };

  const taskDeadline = Date.now() + opts.limits.taskTimeoutMs;
  const basePrompt = buildTaskPrompt({
    playbook: opts.playbook,
    task,
    ...(opts.templateValues ? { values: opts.templateValues } : {}),
    taskNumber: ctx.taskNumber,
    tasksTotal: ctx.tasksTotal,
  });

  let prompt = basePrompt;
  let summary: string | undefined;
  // First session, and at most one more when verify fails (it gets the verify output).
  for (let attempt = 1; attempt <= 2; attempt++) {
    const session = await runSession(ctx, prompt, taskDeadline);
    summary = session.summary ?? summary;
    logDenials(ctx);
    const tampered = restoreDotGit(ctx);
    if (tampered) return finish("failed", { error: tampered });
    if (session.status !== "ok") {
      const status: TaskStatus =
        session.status === "timeout" || session.status === "stalled" || session.status === "cancelled"
          ? session.status
          : "failed";
      // A stop of ours (cancel, cap, run timeout) explains the end better than the agent's own error.
      const error = describeStop(ctx.stop.reason(), cost) ?? session.error;
      return finish(status, error ? { error } : {});
    }

    if (opts.verify.length === 0) break;
    const verified = await runVerify({
      commands: opts.verify,
      cwd: ctx.cwd,
      env: opts.env,
      timeoutMs: Math.max(1000, taskDeadline - Date.now()),
      signal: ctx.stop.signal,
      ...(ctx.sandbox ? { sandbox: ctx.sandbox } : {}),
      onResult: (r) =>
        log.write({
          type: "task.verify",
          index: task.index,
          command: r.command,
          exitCode: r.exitCode,
          durationMs: r.durationMs,
          outputTail: r.outputTail,
        }),
    });
    logDenials(ctx);
    const replaced = restoreDotGit(ctx);
    if (replaced) return finish("failed", { error: replaced });
    if (verified.ok) break;
    const failed = verified.failed!;
    if (failed.cancelled || ctx.stop.reason()) {
      return finish("cancelled", { error: describeStop(ctx.stop.reason(), cost) });
    }
    if (Date.now() >= taskDeadline) return finish("timeout", { error: verifyError(failed) });
    if (attempt === 2) return finish("failed", { error: verifyError(failed) });
    prompt = retryPrompt(basePrompt, failed);
  }

  // The task's result is the tree it ends with against the commit it started from: commits the agent made
  // itself (possible without the sandbox) are folded in, so protected paths and trailers cover all of it.
  await foldAgentCommits(ctx, startSha);
  // Protected paths are checked on what would be committed: the agent's changes and anything verify wrote.
  const staged = await ctx.commits.stage();
  const forbidden = findProtectedChanges(staged.files, opts.protectedPaths);
  if (forbidden.length > 0) {
    return finish("failed", {
      error: `The task changed protected paths: ${forbidden.join(", ")}. Protected paths (protectedPaths in .github/maestro.yml) may not be changed by Maestro; the change was not committed.`,
    });
  }
  const leaked = await secretsInStagedDiff(ctx);
  if (leaked.length > 0) {
    return finish("failed", {
      error: `The task's changes contain a secret Maestro knows: ${leaked.join(", ")}. Nothing of this task was committed or pushed; the run log and comments show it redacted.`,
    });
  }
  const committed = await ctx.commits.commit(staged, {
    message: commitMessage(task.text, ctx.opts.playbook.name),
    trailers: { "Maestro-Run": opts.runId, "Maestro-Task": String(task.index) },
    ...(opts.coAuthors ? { coAuthors: opts.coAuthors } : {}),
    allowEmpty: true,
  });
  if (!committed) return finish("failed", { error: "Nothing was committed for this task." });
  log.write({
    type: "task.committed",
    index: task.index,
    sha: committed.sha,
    filesChanged: committed.filesChanged,
    files: await diffStat(ctx, committed.sha).catch(() =>
      committed.files.slice(0, 100).map((p) => ({ path: p })),
    ),
  });
  if (committed.filesChanged === 0) {
    log.write({
      type: "agent.message",
      index: task.index,
      role: "system",
      text: "This task changed no file: its commit is empty. Check the agent's messages: a broken tool or a task already done can look like success.",
    });
  }
  const changed = { filesChanged: committed.filesChanged };
  if (opts.onTaskCommitted) {
    try {
      await opts.onTaskCommitted({
        index: task.index,
        sha: committed.sha,
        branch: opts.branch,
        worktree: ctx.cwd,
      });
    } catch (err) {
      const error = `committed ${committed.sha.slice(0, 10)}, then: ${err instanceof Error ? err.message : String(err)}`;
      return finish("failed", { error, sha: committed.sha, ...changed });
    }
  }
  return finish("done", { sha: committed.sha, ...changed, ...(summary ? { summary } : {}) });
}

/** One fresh agent session, stopped by cancel, run timeout, task timeout or the cost cap. */
async function runSession(ctx: TaskContext, prompt: string, taskDeadline: number): Promise<AgentResult> {
  const { opts, task, cost, stop } = ctx;
  const adapter = opts.adapter ?? getAgentAdapter(opts.agent);
  const session = new AbortController();
  const onStop = () => session.abort();
  stop.signal.addEventListener("abort", onStop, { once: true });
  if (stop.signal.aborted) session.abort();
  try {
    const result = await adapter.run({
      prompt,
      cwd: ctx.cwd,
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.maxTurns ? { maxTurns: opts.maxTurns } : {}),
      timeoutMs: Math.max(1000, Math.min(taskDeadline, stop.deadline) - Date.now()),
      ...(opts.limits.stallTimeoutMs ? { stallTimeoutMs: opts.limits.stallTimeoutMs } : {}),
      signal: session.signal,
      baseEnv: opts.env,
      runId: opts.runId,
      taskIndex: task.index,
      ...(opts.pricing ? { pricing: opts.pricing } : {}),
      ...(opts.agentCommand ? { agentCommand: opts.agentCommand } : {}),
      ...(opts.agentBin ? { bin: opts.agentBin } : {}),
      ...(ctx.sandbox
        ? { sandbox: ctx.sandbox, fullAccess: opts.sandbox?.policy.agentPermissions !== "restricted" }
        : {}),
      onEvent: (e) => {
        switch (e.kind) {
          case "message":
            opts.log.write({ type: "agent.message", index: task.index, role: e.role, text: e.text });
            break;
          case "tool":
            opts.log.write({ type: "agent.tool", index: task.index, name: e.name, input: e.input });
            break;
          case "error":
            opts.log.write({
              type: "agent.message",
              index: task.index,
              role: "error",
              text: `${e.code}: ${e.message}`,
            });
            break;
          case "usage": {
            const { kind: _kind, ...usage } = e;
            noteUnpriced(ctx, usage);
            if (cost.updateLive(usage)) {
              // Over the cap: stop the agent now; overshoot is at most the turn that crossed it.
              stop.stop("budget");
            }
            break;
          }
        }
      },
    });
    noteUnpriced(ctx, result.usage);
    const sessionCost = cost.settle(result.usage);
    const u = result.usage;
    opts.log.write({
      type: "agent.usage",
      index: task.index,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      cacheReadTokens: u.cacheReadTokens,
      cacheWriteTokens: u.cacheWriteTokens,
      costUsd: sessionCost,
      ...(u.model ? { model: u.model } : {}),
      ...(u.priced !== undefined ? { priced: u.priced } : {}),
    });
    if (result.status === "ok" && cost.overCap()) stop.stop("budget");
    if (result.status === "cancelled" && stop.reason() === "timeout") return { ...result, status: "timeout" };
    return result;
  } finally {
    stop.signal.removeEventListener("abort", onStop);
  }
}

/** What a task's commit changed, for a reviewer: path, lines added and deleted (binary files: path only). */
async function diffStat(
  ctx: TaskContext,
  sha: string,
): Promise<{ path: string; added?: number; deleted?: number }[]> {
  const { stdout } = await runGit(
    [
      ...WORKTREE_SAFE_CONFIG,
      "diff-tree",
      "--root",
      "--no-commit-id",
      "-r",
      "-z",
      "--numstat",
      "--no-renames",
      sha,
    ],
    { cwd: ctx.cwd, env: worktreeGitEnv(ctx.git.dir, ctx.cwd) },
  );
  const out: { path: string; added?: number; deleted?: number }[] = [];
  for (const rec of stdout.split("\0")) {
    const m = /^(\d+|-)\t(\d+|-)\t(.+)$/s.exec(rec);
    if (!m) continue;
    out.push({
      path: m[3]!,
      ...(m[1] !== "-" ? { added: Number(m[1]) } : {}),
      ...(m[2] !== "-" ? { deleted: Number(m[2]) } : {}),
    });
    if (out.length === 100) break;
  }
  return out;
}

/** A model without a price, first seen: said in the run log; under a cost cap it stops the run. */
function noteUnpriced(ctx: TaskContext, usage: Pick<AgentResult["usage"], "priced" | "model">): void {
  if (!ctx.cost.notePricing(usage)) return;
  ctx.opts.log.write({
    type: "agent.message",
    index: ctx.task.index,
    role: "system",
    text: costUnknownMessage(usage.model),
  });
  if (ctx.cost.capped) ctx.stop.stop("cost_unknown");
}

async function resetWorktree(cwd: string, gitDir: string): Promise<void> {
  const env = worktreeGitEnv(gitDir, cwd);
  await runGit([...WORKTREE_SAFE_CONFIG, "reset", "--hard", "-q", "HEAD"], { cwd, env });
  await runGit([...WORKTREE_SAFE_CONFIG, "clean", "-ffdq"], { cwd, env });
}

/**
 * The worktree's `.git` must be what Maestro made. In the sandbox it cannot change (it is mounted over);
 * without the sandbox an agent may have replaced it: put it back and fail the task.
 */
function restoreDotGit(ctx: TaskContext): string | undefined {
  const file = path.join(ctx.cwd, ".git");
  let now: Buffer | undefined;
  try {
    now = fs.lstatSync(file).isFile() ? fs.readFileSync(file) : undefined;
  } catch {
    now = undefined;
  }
  if (now?.equals(ctx.git.dotGit)) return undefined;
  fs.rmSync(file, { recursive: true, force: true });
  fs.writeFileSync(file, ctx.git.dotGit);
  return "The worktree's .git was replaced (by the agent or a verify command); Maestro restored it and did not commit this task.";
}

/** What the staged diff (text and binary files alike) holds of the known secrets, as labels. */
async function secretsInStagedDiff(ctx: TaskContext): Promise<string[]> {
  if (!ctx.findSecrets) return [];
  const { stdout } = await runGit(
    [
      ...WORKTREE_SAFE_CONFIG,
      "diff",
      "--cached",
      "--text",
      "--no-color",
      "--no-ext-diff",
      "--no-textconv",
      "-U0",
    ],
    { cwd: ctx.cwd, env: worktreeGitEnv(ctx.git.dir, ctx.cwd) },
  );
  return ctx.findSecrets(stdout);
}

/** Moves the branch back to the task's starting commit, keeping the agent's tree: its commits become the task's. */
async function foldAgentCommits(ctx: TaskContext, startSha: string): Promise<void> {
  if ((await worktreeHead(ctx.git.dir, ctx.cwd)) === startSha) return;
  const env = worktreeGitEnv(ctx.git.dir, ctx.cwd);
  await runGit([...WORKTREE_SAFE_CONFIG, "reset", "--soft", "-q", startSha], { cwd: ctx.cwd, env });
  ctx.opts.log.write({
    type: "agent.message",
    index: ctx.task.index,
    role: "system",
    text:
      "The agent committed on its own: the branch is back at the task's starting commit, its changes stay in the " +
      "working tree, and only a task commit of Maestro's (checked as a whole) can put them on the branch.",
  });
}

function logDenials(ctx: TaskContext): void {
  for (const target of ctx.sandbox?.takeDenials() ?? []) {
    ctx.opts.log.write({
      type: "agent.message",
      index: ctx.task.index,
      role: "system",
      text: `sandbox: a connection to ${target} was refused (not in the network allowlist; the operator can add it with MAESTRO_SANDBOX_ALLOW_HOSTS)`,
    });
  }
}

function commitMessage(taskText: string, playbook: string): string {
  const firstLine = taskText.replace(/\s+/g, " ").trim();
  const subject = firstLine.length > 72 ? `${firstLine.slice(0, 69)}...` : firstLine;
  return `${subject || "Maestro task"}\n\nPlaybook: ${playbook}\nTask: ${firstLine}`;
}

function retryPrompt(basePrompt: string, failed: VerifyResult): string {
  const how = failed.exitCode ?? (failed.timedOut ? "a timeout" : "a signal");
  return (
    `${basePrompt}\n## Verification failed\n\n` +
    `Your previous session finished this task, but the verify command \`${failed.command}\` exited with ${how}. ` +
    `Fix the cause so that the command passes; the changes of the previous session are still in the working tree.\n\n` +
    // Test output can echo repository content: it is information, never instructions.
    `${fenceUntrusted(`the output (tail) of \`${failed.command}\``, failed.outputTail)}\n`
  );
}

function verifyError(failed: VerifyResult): string {
  const how = failed.timedOut ? "timed out" : `exited with ${failed.exitCode ?? "a signal"}`;
  const tail = failed.outputTail.trim().split("\n").slice(-5).join("\n");
  return `verify command \`${failed.command}\` ${how} after a retry session${tail ? `:\n${tail}` : ""}`;
}

function describeStop(reason: StopReason | undefined, cost: CostTracker): string | undefined {
  if (reason === "budget") return `cost cap reached ($${cost.costUsd.toFixed(4)}): the agent was stopped`;
  if (reason === "cost_unknown") {
    const models = cost.unpricedModels.join(", ");
    return `${costUnknownMessage(models || undefined)}. A cost cap applies, so the agent was stopped rather than count its cost as $0.`;
  }
  if (reason === "timeout") return "run timeout reached: the agent was stopped";
  if (reason === "cancelled") return "cancelled: the agent was stopped";
  return undefined;
}

function runStatusFor(reason: StopReason): RunStatus {
  if (reason === "cost_unknown") return "failed";
  return reason === "budget" ? "budget_exceeded" : reason === "timeout" ? "timeout" : "cancelled";
}

function stopReasonStatus(reason: StopReason | undefined): RunStatus | undefined {
  return reason ? runStatusFor(reason) : undefined;
}
