// `/maestro run`, `/maestro fix`, a `maestro:NAME` label and a review follow-up all end here:
// resolve the playbook now (so an unknown name is answered at once), check caps, then enqueue.
import type { RepoConfig } from "../config/repo-config.js";
import { formatDryRunReply } from "../commands/dry-run.js";
import { forkRefusal, getPullInfo, type PullInfo } from "../github/fork.js";
import { renderQueuedComment } from "../github/status-comment.js";
import { parsePlaybook } from "../playbooks/parse.js";
import { PlaybookError } from "../playbooks/errors.js";
import { availablePlaybooks, resolvePlaybook } from "../playbooks/resolve.js";
import { expandReviewTasks, renderReviewArgs } from "../playbooks/review-tasks.js";
import { listReviewComments } from "../github/review-comments.js";
import type { Playbook } from "../playbooks/types.js";
import { checkDailyBudget } from "../queue/budget.js";
import { enqueueRun } from "../queue/enqueue.js";
import { MAX_ARGS_LENGTH, runIdForDelivery, type RunJobData } from "../queue/job-schema.js";
import { recordRun } from "../queue/runs-index.js";
import { sanitizeUntrustedText } from "../security/sanitize.js";
import type { AgentName } from "../agents/types.js";
import type { AppDeps } from "./deps.js";
import { accepted, refused, type Outcome } from "./outcome.js";
import { listRepoPlaybookFiles, readRepoFile } from "./repo-files.js";
import type { Trigger } from "./trigger.js";

export interface RunRequest {
  playbook?: string;
  agent?: AgentName;
  model?: string;
  maxCostUsd?: number;
  dryRun: boolean;
  args?: string;
  /** `/maestro fix TEXT`: a one-task playbook on the PR branch. */
  fixText?: string;
  /** `/maestro retry`: the job data of the run to resume. */
  resume?: RunJobData;
  /** Index of the command in the delivery (distinct run ids for several commands in one comment). */
  index: number;
}

/** Longest `/maestro fix` text put on the task line itself (see choosePlaybook). */
export const MAX_FIX_TASK_CHARS = 1000;

type PlaybookChoice =
  | { ok: true; name: string; origin: "repo" | "builtin" | "issue"; source: string }
  | { ok: false; reply: string };

/** Where a run goes on a PR: the PR's branch, only for Maestro's own same-repo PRs. */
export async function pullTarget(
  deps: AppDeps,
  t: Trigger,
  config: RepoConfig,
): Promise<{ ok: true; pull: PullInfo } | { ok: false; reply: string }> {
  const pull = t.pull ?? (await getPullInfo(t.octokit, t.owner, t.repo, t.issueNumber));
  t.pull = pull;
  const fork = forkRefusal(pull);
  if (fork) return { ok: false, reply: fork };
  if (!pull.headRef.startsWith(config.branchPrefix) || config.branchPrefix === "") {
    return {
      ok: false,
      reply:
        `This pull request's branch \`${pull.headRef}\` is not a Maestro branch (\`${config.branchPrefix}…\`), so Maestro will not push to it. ` +
        "Commands on pull requests work on Maestro's own draft pull requests; to start a new run, comment on an issue.",
    };
  }
  return { ok: true, pull };
}

async function choosePlaybook(deps: AppDeps, t: Trigger, req: RunRequest): Promise<PlaybookChoice> {
  if (req.resume) return { ok: true, ...req.resume.playbook };
  if (req.fixText !== undefined) {
    // The task line is parsed as Markdown (here and by the worker), and that parse is super-linear on
    // some text (64 KB of `*a`: seconds): the line takes the request's start, the run's free text
    // (`args`) the whole of it.
    const whole = sanitizeUntrustedText(req.fixText).replace(/\s+/g, " ").trim();
    let text = whole;
    if (whole.length > MAX_FIX_TASK_CHARS) {
      // Not between the halves of a surrogate pair.
      const end = /[\uD800-\uDBFF]/.test(whole[MAX_FIX_TASK_CHARS - 1]!)
        ? MAX_FIX_TASK_CHARS - 1
        : MAX_FIX_TASK_CHARS;
      text = `${whole.slice(0, end)}… (the whole request is in the run's arguments)`;
    }
    return {
      ok: true,
      name: "fix",
      origin: "issue",
      source: `# Fix requested on pull request #${t.issueNumber}\n\nMake this change on the branch, and nothing else.\n\n- [ ] ${text}\n`,
    };
  }
  const listRepoPlaybooks = () => listRepoPlaybookFiles(t.octokit, t.owner, t.repo);
  if (req.playbook === undefined) {
    const body = sanitizeUntrustedText(t.issue.body ?? "");
    if (!t.isPullRequest && hasOpenTask(body))
      return { ok: true, name: "issue", origin: "issue", source: body };
    const names = await availablePlaybooks({
      listRepoPlaybooks,
      ...(deps.builtinDir ? { builtinDir: deps.builtinDir } : {}),
    });
    return {
      ok: false,
      reply:
        "Name the playbook to run, e.g. `/maestro run fix-issue`" +
        (t.isPullRequest
          ? "."
          : ", or put a checklist (`- [ ] …` items) in the issue body to run the issue itself.") +
        ` Available playbooks: ${names.map((n) => `\`${n}\``).join(", ") || "none"}.`,
    };
  }
  const r = await resolvePlaybook(req.playbook, {
    readRepoPlaybook: (path) => readRepoFile(t.octokit, t.owner, t.repo, path),
    listRepoPlaybooks,
    ...(deps.builtinDir ? { builtinDir: deps.builtinDir } : {}),
  });
  if (!r.ok) return { ok: false, reply: r.error };
  return { ok: true, name: r.name, origin: r.origin, source: r.source };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 24))}… (comment shortened)` : text;
}

function hasOpenTask(body: string): boolean {
  try {
    return parsePlaybook(body, { name: "issue", untrusted: true }).tasks.some((task) => !task.done);
  } catch {
    return false;
  }
}

export const IGNORED_FRONT_MATTER =
  "The front matter at the top of the issue body is ignored: an issue gives tasks, never settings. This run " +
  "uses `.github/maestro.yml` on the default branch and the command's own flags (`--agent`, `--model`, `--max-cost`).";

function parseChosen(choice: {
  name: string;
  origin: string;
  source: string;
}): { ok: true; playbook: Playbook } | { ok: false; reply: string } {
  const file =
    choice.origin === "repo"
      ? `.github/maestro/playbooks/${choice.name}.md`
      : choice.origin === "builtin"
        ? `playbooks/${choice.name}.md`
        : "the issue body";
  try {
    // An issue's own checklist is untrusted: its tasks only, never a setting (DESIGN §11).
    const untrusted = choice.origin === "issue";
    const playbook = parsePlaybook(choice.source, { name: choice.name, file, untrusted });
    if (!playbook.tasks.some((task) => !task.done)) {
      return {
        ok: false,
        reply: `Playbook \`${choice.name}\` (${file}) has no unchecked tasks (\`- [ ] …\` items), so there is nothing to run.`,
      };
    }
    return { ok: true, playbook };
  } catch (err) {
    if (err instanceof PlaybookError)
      return { ok: false, reply: `Playbook \`${choice.name}\` could not be read: ${err.message}` };
    throw err;
  }
}

export async function runCommand(
  deps: AppDeps,
  t: Trigger,
  config: RepoConfig,
  req: RunRequest,
): Promise<Outcome> {
  const now = (deps.clock ?? (() => new Date()))();
  let pull: PullInfo | undefined;
  if (t.isPullRequest) {
    const target = await pullTarget(deps, t, config);
    if (!target.ok) return refused(target.reply);
    pull = target.pull;
  } else if (req.fixText !== undefined) {
    return refused(
      "`/maestro fix` works on Maestro's draft pull requests only. On an issue, use `/maestro run NAME`.",
    );
  }

  let choice = await choosePlaybook(deps, t, req);
  if (!choice.ok) return refused(choice.reply);
  // A review follow-up: the review's inline comments are the input, one task each where the playbook allows.
  let reviewComments: RunJobData["reviewComments"] = req.resume?.reviewComments;
  let reviewArgs: string | undefined;
  if (!req.resume && t.reviewId !== undefined && req.fixText === undefined) {
    const raw = await listReviewComments(t.octokit, {
      owner: t.owner,
      repo: t.repo,
      pullNumber: t.issueNumber,
      reviewId: t.reviewId,
    });
    // All comments must fit the run's free text (MAX_ARGS_LENGTH), headers included: share it out.
    const perComment = Math.min(8000, Math.floor((MAX_ARGS_LENGTH * 0.6) / Math.max(1, raw.length)));
    const comments = raw.map((c) => ({ ...c, body: clip(sanitizeUntrustedText(c.body), perComment) }));
    if (comments.length > 0) {
      const expanded = expandReviewTasks(choice.source, comments);
      if (expanded) choice = { ...choice, source: expanded.source };
      reviewArgs = renderReviewArgs(comments);
      reviewComments = comments.map((c) => {
        const task = expanded?.taskOf.get(c.id);
        return {
          id: c.id,
          path: c.path,
          ...(c.line !== undefined ? { line: c.line } : {}),
          ...(task !== undefined ? { task } : {}),
        };
      });
    }
  }
  const parsed = parseChosen(choice);
  if (!parsed.ok) return refused(parsed.reply);
  const fm = parsed.playbook.frontMatter;

  const agent = req.agent ?? req.resume?.agent ?? fm.agent ?? config.agent;
  const model = req.model ?? req.resume?.model ?? (fm.model || config.model || undefined);
  const maxCostUsd = Math.min(
    req.maxCostUsd ?? req.resume?.maxCostUsd ?? fm.maxCostUsd ?? config.limits.maxCostUsdPerRun,
    config.limits.maxCostUsdPerRun,
  );

  if (req.dryRun) {
    const reply = formatDryRunReply({
      playbookName: choice.name,
      origin: choice.origin,
      playbook: parsed.playbook,
      agent,
      ...(model ? { model } : {}),
      limits: {
        maxCostUsd,
        taskTimeoutMinutes: fm.taskTimeoutMinutes ?? config.limits.taskTimeoutMinutes,
        runTimeoutMinutes: config.limits.runTimeoutMinutes,
      },
      verify: fm.verify ?? config.verify,
      pricing: config.pricing,
    });
    return accepted(parsed.playbook.ignoredFrontMatter ? `${reply}\n\n${IGNORED_FRONT_MATTER}` : reply);
  }

  // Over the daily budget: refused now. Over maxConcurrentRuns: queued; the worker holds it until a slot frees.
  const overBudget = await checkDailyBudget(
    deps.store,
    { owner: t.owner, name: t.repo },
    config.limits.dailyBudgetUsd,
    now,
  );
  if (overBudget) return refused(`Run not queued. ${overBudget}`);

  const args =
    req.fixText ?? ([reviewArgs, req.args].filter(Boolean).join("\n\n") || undefined) ?? req.resume?.args;
  // Checked before anything is posted or recorded: the job would refuse it after the status comment.
  if (args && sanitizeUntrustedText(args).length > MAX_ARGS_LENGTH)
    return refused(
      `Run not queued: the text given to the run is ${args.length.toLocaleString("en-US")} characters long; ` +
        `at most ${MAX_ARGS_LENGTH.toLocaleString("en-US")} are passed on. Shorten it, or put the details in the issue body.`,
    );
  const issue = {
    title: sanitizeUntrustedText(t.issue.title ?? "").slice(0, 1024),
    body: sanitizeUntrustedText(t.issue.body ?? "").slice(0, 262_144),
  };

  const runId = runIdForDelivery(t.deliveryId, req.index);
  // Posted after the webhook is answered (command-router); the run is in the queue before that.
  const statusComment = {
    runId,
    body: renderQueuedComment({
      runId,
      playbook: choice.name,
      origin: choice.origin,
      actor: t.sender.login,
      agent,
      ...(req.resume ? { resumeOf: req.resume.runId } : {}),
      ...(pull ? { onBranch: pull.headRef } : {}),
    }),
  };

  const data: RunJobData = {
    runId,
    repo: { owner: t.owner, name: t.repo, ...(t.repoId ? { id: t.repoId } : {}) },
    installationId: t.installationId,
    issueNumber: t.issueNumber,
    isPullRequest: t.isPullRequest,
    ...(pull ? { prNumber: pull.number, headRef: pull.headRef, baseRef: pull.baseRef } : {}),
    playbook: { name: choice.name, origin: choice.origin, source: choice.source },
    agent,
    ...(model ? { model } : {}),
    maxCostUsd,
    ...(args ? { args: sanitizeUntrustedText(args) } : {}),
    issue,
    trigger: {
      kind: req.resume ? "retry" : t.kind,
      actor: t.sender.login,
      ...(t.url ? { url: t.url } : {}),
      ...(t.commentId ? { commentId: t.commentId } : {}),
    },
    ...(reviewComments?.length ? { reviewComments } : {}),
    ...(req.resume ? { resumeOf: req.resume.runId } : {}),
    requestedAt: now.toISOString(),
  };
  await recordRun(
    deps.store,
    {
      runId,
      repo: data.repo,
      issueNumber: t.issueNumber,
      playbook: choice.name,
      actor: t.sender.login,
      job: data,
      ...(data.resumeOf ? { resumeOf: data.resumeOf } : {}),
    },
    now,
  );
  await enqueueRun(deps.queue, data, { deliveryId: t.deliveryId });
  return {
    ...accepted(parsed.playbook.ignoredFrontMatter ? IGNORED_FRONT_MATTER : undefined),
    statusComment,
  };
}
