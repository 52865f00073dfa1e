// pull_request_review.submitted: a review body may carry commands; with followUps.onChangesRequested,
// a changes-requested review on a Maestro PR runs the address-review playbook.
import type { Context } from "probot";
import { parseCommands } from "../commands/parse.js";
import type { CommandParseResult } from "../commands/types.js";
import { pullInfoFrom } from "../github/fork.js";
import { MAX_COMMANDS_PER_TRIGGER, routeCommands } from "./command-router.js";
import type { AppDeps } from "./deps.js";
import { reviewEventKey } from "./event-key.js";
import { loadRepoConfig } from "./load-config.js";
import { triggerBase, type Trigger } from "./trigger.js";

export const ADDRESS_REVIEW_PLAYBOOK = "address-review";

export async function onPullRequestReview(
  deps: AppDeps,
  context: Context<"pull_request_review.submitted">,
): Promise<void> {
  const { review, pull_request: pr, installation } = context.payload;
  if (!installation) return;
  const commands = parseCommands(review.body ?? "", { limit: MAX_COMMANDS_PER_TRIGGER });
  const changesRequested = review.state?.toLowerCase() === "changes_requested";
  if (commands.length === 0 && !changesRequested) return;
  const t: Trigger = {
    ...triggerBase(context, installation.id),
    eventKey: reviewEventKey(context.octokit, review.id),
    ...(review.author_association ? { senderAssociation: review.author_association } : {}),
    issueNumber: pr.number,
    isPullRequest: true,
    issue: { title: pr.title ?? "", body: pr.body ?? "" },
    kind: "review",
    url: review.html_url,
    reviewId: review.id,
    reactionTarget: { kind: "review" },
    pull: pullInfoFrom(pr as unknown as Parameters<typeof pullInfoFrom>[0]),
  };
  if (commands.length > 0) {
    await routeCommands(deps, t, commands);
    return;
  }
  // Automatic follow-up: only for Maestro's own PRs, only when the repo opted in.
  const cfg = await loadRepoConfig(t);
  if (!cfg.ok || !cfg.config.followUps.onChangesRequested) return;
  if (!t.pull?.headRef.startsWith(cfg.config.branchPrefix) || t.pull.fromFork) return;
  const followUp: CommandParseResult = {
    ok: true,
    command: { verb: "run", playbook: ADDRESS_REVIEW_PLAYBOOK, dryRun: false },
    line: 0,
    raw: "changes requested",
  };
  await routeCommands(deps, t, [followUp], { automatic: true });
}
