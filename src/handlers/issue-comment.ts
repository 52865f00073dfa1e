// issue_comment.created, on issues and pull requests: slash-commands (DESIGN §4).
import type { Context } from "probot";
import { parseCommands } from "../commands/parse.js";
import { MAX_COMMANDS_PER_TRIGGER, routeCommands } from "./command-router.js";
import type { AppDeps } from "./deps.js";
import { commentEventKey } from "./event-key.js";
import { triggerBase, type Trigger } from "./trigger.js";

export async function onIssueComment(
  deps: AppDeps,
  context: Context<"issue_comment.created">,
): Promise<void> {
  const { comment, issue, installation } = context.payload;
  // Cheap exit first: most comments are not commands, and they must cost nothing (no Redis, no API).
  // Anyone can comment: the scan is linear (src/commands/command-lines.ts), a few ms for 64 KB.
  const commands = parseCommands(comment.body ?? "", { limit: MAX_COMMANDS_PER_TRIGGER });
  if (commands.length === 0 || !installation) return;
  const base = triggerBase(context, installation.id);
  const { owner, repo } = base;
  const t: Trigger = {
    ...base,
    eventKey: commentEventKey(context.octokit, comment.id, context.payload.action),
    ...(comment.author_association ? { senderAssociation: comment.author_association } : {}),
    issueNumber: issue.number,
    isPullRequest: Boolean(issue.pull_request),
    issue: { title: issue.title ?? "", body: issue.body ?? "" },
    kind: "comment",
    url: comment.html_url,
    commentId: comment.id,
    reactionTarget: { kind: "comment", owner, repo, commentId: comment.id },
  };
  await routeCommands(deps, t, commands);
}
