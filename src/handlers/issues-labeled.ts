// issues.labeled: the label `maestro:NAME` runs playbook NAME (DESIGN §4).
import type { Context } from "probot";
import type { CommandParseResult } from "../commands/types.js";
import { routeCommands } from "./command-router.js";
import type { AppDeps } from "./deps.js";
import { labelEventKey } from "./event-key.js";
import { triggerBase, type Trigger } from "./trigger.js";

export const LABEL_PREFIX = "maestro:";

/** The command a label stands for, or null for other labels. */
export function labelCommand(label: string | undefined): CommandParseResult | null {
  if (!label || !label.toLowerCase().startsWith(LABEL_PREFIX)) return null;
  const name = label.slice(LABEL_PREFIX.length).trim();
  const raw = `label ${label}`;
  if (name === "")
    return {
      ok: false,
      error: `The label "${label}" names no playbook: use \`${LABEL_PREFIX}NAME\`, e.g. \`${LABEL_PREFIX}fix-issue\`.`,
      line: 0,
      raw,
    };
  return { ok: true, command: { verb: "run", playbook: name, dryRun: false }, line: 0, raw };
}

export async function onIssuesLabeled(deps: AppDeps, context: Context<"issues.labeled">): Promise<void> {
  const { issue, label, installation } = context.payload;
  const command = labelCommand(label?.name);
  if (command === null || !installation) return;
  const base = triggerBase(context, installation.id);
  const { owner, repo } = base;
  const t: Trigger = {
    ...base,
    eventKey: labelEventKey(context.octokit, base.repoId, issue, label ?? {}),
    issueNumber: issue.number,
    isPullRequest: Boolean((issue as { pull_request?: unknown }).pull_request),
    issue: { title: issue.title ?? "", body: issue.body ?? "" },
    kind: "label",
    url: issue.html_url,
    reactionTarget: { kind: "issue", owner, repo, issueNumber: issue.number },
  };
  await routeCommands(deps, t, [command]);
}
