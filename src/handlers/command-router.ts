// The shared path of every trigger: claim the delivery and the event → authorize (load config, check
// the sender) → act (runs are queued) → answer GitHub; then, after the answer, one reaction, the status
// comments and one reply. Never git or agent work here, and no write to GitHub before the answer: it is
// given in well under 10 s. Authorization comes before anything that costs more than a Redis call or two
// (DESIGN §11), and an outsider's command costs at most one REST call to refuse (auth-cache.ts).
import type { CommandParseResult } from "../commands/types.js";
import { helpText } from "../commands/help.js";
import { formatConfigErrorReply } from "../config/load-repo-config.js";
import { defaultRepoConfig, type PermissionLevel, type RepoConfig } from "../config/repo-config.js";
import {
  authorize,
  isIgnoredSender,
  rank,
  ruledOutByAssociation,
  type AuthorizeResult,
} from "../github/authorize.js";
import { getPermission } from "../github/permission.js";
import { react } from "../github/reactions.js";
import { quoteCommand, reply } from "../github/reply.js";
import { availablePlaybooks } from "../playbooks/resolve.js";
import { RunStatusComment } from "../github/run-status-comment.js";
import { claimDelivery, claimEvent, releaseDelivery, releaseEvent } from "../queue/enqueue.js";
import { claimRefusalReply } from "../queue/refusal-replies.js";
import { authCaches, permissionCacheKey, repoCacheKey } from "./auth-cache.js";
import type { AppDeps } from "./deps.js";
import { loadRepoConfig } from "./load-config.js";
import { cancelCommand, retryCommand, statusCommand } from "./manage-runs.js";
import { accepted, refused, type Outcome } from "./outcome.js";
import { listRepoPlaybookFiles } from "./repo-files.js";
import { runCommand } from "./run-command.js";
import type { Trigger } from "./trigger.js";

/** Commands after this many in one comment are refused: one comment must not fan out into many runs. */
export const MAX_COMMANDS_PER_TRIGGER = 5;

export interface RouteOptions {
  /** A run Maestro starts on its own (a changes-requested review): refusals stay silent. */
  automatic?: boolean;
}

/**
 * Handles the commands of one trigger. Returns false when the trigger was skipped
 * (bot sender, a redelivery, or the same event under another delivery id, already handled).
 */
export async function routeCommands(
  deps: AppDeps,
  t: Trigger,
  commands: CommandParseResult[],
  opts: RouteOptions = {},
): Promise<boolean> {
  if (commands.length === 0) return false;
  if (
    isIgnoredSender({
      sender: t.sender.login,
      senderType: t.sender.type,
      ...(deps.appSlug ? { appSlug: deps.appSlug } : {}),
    })
  )
    return false;
  if (!(await claimDelivery(deps.store, t.deliveryId))) {
    t.log.info({ delivery: t.deliveryId }, "maestro: delivery already handled, skipping");
    return false;
  }
  // The signature does not cover the delivery id: a replayed body under a fresh one is the same event.
  if (!(await claimEvent(deps.store, t.eventKey))) {
    t.log.info(
      { delivery: t.deliveryId, event: t.eventKey },
      "maestro: event already handled under another delivery id, skipping",
    );
    return false;
  }
  try {
    await handleClaimed(deps, t, commands, opts);
    return true;
  } catch (err) {
    // Give the claims back so GitHub's "Redeliver" can retry; the status comment is found by its marker.
    await releaseEvent(deps.store, t.eventKey).catch(() => undefined);
    await releaseDelivery(deps.store, t.deliveryId).catch(() => undefined);
    for (const c of commands) deps.metrics?.command(c.ok ? c.command.verb : "invalid", "error");
    throw err;
  }
}

async function handleClaimed(
  deps: AppDeps,
  t: Trigger,
  commands: CommandParseResult[],
  opts: RouteOptions,
): Promise<void> {
  // With the config read in the last minute, an outsider is refused without reading it again
  // (auth-cache.ts); a permission looked up for that is not looked up twice.
  const cachedConfig = authCaches(deps).config.get(repoCacheKey(t));
  const early = cachedConfig ? await authorizeSender(deps, t, cachedConfig) : null;
  if (early && !early.auth.ok) return refuseSender(deps, t, commands, early.auth, opts);
  const loaded = await loadRepoConfig(t);
  if (loaded.ok) authCaches(deps).config.set(repoCacheKey(t), loaded.config);
  const config = loaded.ok ? loaded.config : defaultRepoConfig();
  const { auth } = await authorizeSender(deps, t, config, early?.permission);
  if (!auth.ok) return refuseSender(deps, t, commands, auth, opts);
  if (!loaded.ok) {
    for (const c of commands) deps.metrics?.command(c.ok ? c.command.verb : "invalid", "refused");
    if (!opts.automatic)
      afterAnswer(deps, t, () => feedback(t, [refused(formatConfigErrorReply(loaded.error))]));
    return;
  }

  const outcomes: Outcome[] = [];
  // Past the limit, one line says how many were skipped (a comment may hold thousands).
  const skipped = commands.slice(MAX_COMMANDS_PER_TRIGGER);
  for (let i = 0; i < skipped.length; i++) deps.metrics?.command("skipped", "refused");
  for (const [index, c] of commands.slice(0, MAX_COMMANDS_PER_TRIGGER).entries()) {
    let outcome: Outcome;
    if (!c.ok) {
      // The parser's message may quote the user's text: break @mentions so the reply notifies nobody.
      outcome = {
        ...refused(`${quoteCommand(c.raw)}: ${c.error.replace(/@(?=[A-Za-z0-9])/g, "@\u200b")}`),
        kind: "invalid",
      };
    } else {
      outcome = await execute(deps, t, config, c, index);
    }
    deps.metrics?.command(c.ok ? c.command.verb : "invalid", outcome.kind ?? outcome.feedback);
    outcomes.push(outcome);
  }
  if (skipped.length > 0) {
    const more = skipped.length === 1 ? "1 more command" : `${skipped.length} more commands`;
    outcomes.push(
      refused(
        `${quoteCommand(skipped[0]!.raw)}${skipped.length > 1 ? ` and the ${skipped.length - 1} after it` : ""}: ` +
          `skipped (${more} than the ${MAX_COMMANDS_PER_TRIGGER} handled per comment).`,
      ),
    );
  }
  if (opts.automatic && outcomes.every((o) => o.feedback === "refused")) {
    t.log.info(
      { delivery: t.deliveryId, reasons: outcomes.map((o) => o.reply) },
      "maestro: automatic follow-up not started",
    );
    return;
  }
  // Under a flood of commands the feedback queues behind GitHub's write spacing (≈ 1 write a second per
  // installation): past the limit, only what says something is posted (replies, refusals, edits); no 👀,
  // and the worker makes the queued run's status comment when it starts the run, as it does when no one
  // claimed it.
  const backlog = deps.background?.pendingFor(feedbackKey(t)) ?? 0;
  const crowded = backlog >= FEEDBACK_BACKLOG_LIMIT;
  if (crowded)
    t.log.info(
      { delivery: t.deliveryId, backlog, installation: t.installationId },
      "maestro: feedback backlog full: no 👀 and no queued status comment for this delivery",
    );
  const eyes = !crowded && commands.some((c) => c.ok) && t.reactionTarget.kind !== "review";
  afterAnswer(deps, t, async () => {
    // Seen and authorized, then each queued run's status comment, then one reply for the rest.
    if (eyes) await react(t.octokit, t.reactionTarget, "accepted");
    const statusOf = (runId: string) =>
      new RunStatusComment(t.octokit, deps.store, {
        owner: t.owner,
        repo: t.repo,
        issueNumber: t.issueNumber,
        runId,
      });
    for (const o of outcomes)
      if (o.statusComment && !crowded)
        await statusOf(o.statusComment.runId).createIfUnclaimed(o.statusComment.body);
    for (const u of outcomes.flatMap((o) => o.statusUpdates ?? []))
      await statusOf(u.runId).write(u.body, true);
    await feedback(t, outcomes, eyes || crowded);
  });
}

type Refusal = Extract<AuthorizeResult, { ok: false }>;

/** A sender who may not trigger Maestro: a reply and a 😕 (DESIGN §4), then silence for a while. */
async function refuseSender(
  deps: AppDeps,
  t: Trigger,
  commands: CommandParseResult[],
  auth: Refusal,
  opts: RouteOptions,
): Promise<void> {
  if (!auth.reply || opts.automatic) return;
  for (const c of commands) deps.metrics?.command(c.ok ? c.command.verb : "invalid", "refused");
  if (!(await claimRefusalReply(deps.store, { owner: t.owner, name: t.repo }, t.sender.login))) {
    t.log.info({ delivery: t.deliveryId, sender: t.sender.login }, "maestro: refused again, not answered");
    return;
  }
  afterAnswer(deps, t, () => feedback(t, [refused(`Maestro did not run this: ${auth.reason}`)]));
}

/** Feedback tasks one installation may have waiting before only replies and refusals are posted. */
export const FEEDBACK_BACKLOG_LIMIT = 50;

function feedbackKey(t: Trigger): string {
  return `installation:${t.installationId}`;
}

/** GitHub's answer does not wait for these writes (see background.ts): the runs are queued already. */
function afterAnswer(deps: AppDeps, t: Trigger, task: () => Promise<void>): void {
  if (deps.background)
    deps.background.run(`feedback on delivery ${t.deliveryId}`, t.log, task, feedbackKey(t));
  else void task().catch((err: unknown) => t.log.error({ err: String(err) }, "maestro: feedback failed"));
}

/**
 * Whether the sender may trigger Maestro here, and the permission if it was looked up now. `known`: a
 * permission looked up for this delivery already. Cached permissions only ever refuse (auth-cache.ts).
 */
async function authorizeSender(
  deps: AppDeps,
  t: Trigger,
  config: RepoConfig,
  known?: PermissionLevel,
): Promise<{ auth: AuthorizeResult; permission?: PermissionLevel }> {
  const base = {
    sender: t.sender.login,
    senderType: t.sender.type,
    config,
    ...(deps.appSlug ? { appSlug: deps.appSlug } : {}),
  };
  const listed = [...config.permissions.allowUsers, ...config.permissions.denyUsers].some(
    (u) => u.toLowerCase() === t.sender.login.toLowerCase(),
  );
  // Allow and deny lists decide without asking GitHub.
  if (listed) return { auth: authorize(base) };
  const { minimum } = config.permissions;
  // The payload may already show the sender has no more than `read` (an outsider in a user's repository).
  if (
    known === undefined &&
    ruledOutByAssociation({ association: t.senderAssociation, ownerType: t.ownerType, minimum })
  )
    return { auth: authorize({ ...base, permission: "read" }) };
  const cache = authCaches(deps).permission;
  const key = permissionCacheKey(t);
  const cached = cache.get(key);
  if (known === undefined && cached !== undefined && rank(cached) < rank(minimum))
    return { auth: authorize({ ...base, permission: cached }) };
  const permission = known ?? (await getPermission(t.octokit, t.owner, t.repo, t.sender.login));
  cache.set(key, permission);
  return { auth: authorize({ ...base, permission }), permission };
}

function execute(
  deps: AppDeps,
  t: Trigger,
  config: RepoConfig,
  c: Extract<CommandParseResult, { ok: true }>,
  index: number,
): Promise<Outcome> {
  const cmd = c.command;
  switch (cmd.verb) {
    case "run":
      return runCommand(deps, t, config, {
        index,
        dryRun: cmd.dryRun,
        ...(cmd.playbook !== undefined ? { playbook: cmd.playbook } : {}),
        ...(cmd.agent !== undefined ? { agent: cmd.agent } : {}),
        ...(cmd.model !== undefined ? { model: cmd.model } : {}),
        ...(cmd.maxCostUsd !== undefined ? { maxCostUsd: cmd.maxCostUsd } : {}),
        ...(cmd.args !== undefined ? { args: cmd.args } : {}),
      });
    case "fix":
      return runCommand(deps, t, config, { index, dryRun: false, fixText: cmd.text });
    case "retry":
      return retryCommand(deps, t, config, cmd.runId, index);
    case "cancel":
      return cancelCommand(deps, t, cmd.runId);
    case "status":
      return statusCommand(deps, t);
    case "list":
      return listCommand(deps, t);
    case "help":
      return listNames(deps, t).then((playbooks) => accepted(helpText({ playbooks })));
  }
}

function listNames(deps: AppDeps, t: Trigger): Promise<string[]> {
  return availablePlaybooks({
    listRepoPlaybooks: () => listRepoPlaybookFiles(t.octokit, t.owner, t.repo),
    ...(deps.builtinDir ? { builtinDir: deps.builtinDir } : {}),
  });
}

async function listCommand(deps: AppDeps, t: Trigger): Promise<Outcome> {
  const names = await listNames(deps, t);
  if (names.length === 0)
    return accepted(
      "No playbooks are available. Add one as `.github/maestro/playbooks/NAME.md` on the default branch.",
    );
  return accepted(
    `### Playbooks available here\n\n${names.map((n) => `- \`${n}\``).join("\n")}\n\nRun one with \`/maestro run NAME\`; ` +
      "repository playbooks live in `.github/maestro/playbooks/` and take precedence over built-in ones of the same name.\n",
  );
}

/** One reply for all outcomes, then 😕 if any was refused, else 👀 unless `skipAccepted` (given, or crowded). */
async function feedback(t: Trigger, outcomes: Outcome[], skipAccepted = false): Promise<void> {
  const replies = outcomes.map((o) => o.reply).filter((r): r is string => typeof r === "string" && r !== "");
  if (replies.length > 0) {
    const mention = `@${t.sender.login}`;
    const text = replies.join("\n\n---\n\n");
    // A reply that opens with a heading needs the mention on a line of its own.
    const body =
      replies.length === 1 && !text.startsWith("#") ? `${mention} ${text}` : `${mention}\n\n${text}`;
    await reply(
      t.octokit,
      { owner: t.owner, repo: t.repo, issueNumber: t.issueNumber, deliveryId: t.deliveryId },
      body,
    );
  }
  const anyRefused = outcomes.some((o) => o.feedback === "refused");
  if (t.reactionTarget.kind !== "review") {
    if (anyRefused) await react(t.octokit, t.reactionTarget, "refused");
    else if (!skipAccepted) await react(t.octokit, t.reactionTarget, "accepted");
  }
}
