// The run's status comment (DESIGN §1). A hidden marker names the run, so the comment is found and
// edited on every update, never posted twice.
import { fitBody } from "./body-limits.js";
import { createCommentOnce, findCommentWithMarker } from "./comment-once.js";
import type { Octokit } from "./octokit.js";

export function statusMarker(runId: string): string {
  return `<!-- maestro:run:${runId} -->`;
}

export interface QueuedCommentInput {
  runId: string;
  playbook: string;
  origin: "repo" | "builtin" | "issue";
  actor: string;
  agent: string;
  /** Runs of this repo queued or running before this one, when known. */
  ahead?: number;
  resumeOf?: string;
  onBranch?: string;
}

export function renderQueuedComment(input: QueuedCommentInput): string {
  const what = input.origin === "issue" ? "the checklist of this issue" : `playbook \`${input.playbook}\``;
  const lines = [
    statusMarker(input.runId),
    `### Maestro run \`${input.runId}\`: queued`,
    "",
    `Queued ${what} for @${input.actor} with agent \`${input.agent}\`` +
      (input.onBranch ? ` on branch \`${input.onBranch}\`` : "") +
      (input.resumeOf ? `, resuming run \`${input.resumeOf}\` from its first unfinished task` : "") +
      ".",
  ];
  if (input.ahead !== undefined && input.ahead > 0)
    lines.push("", `${input.ahead} run(s) of this repository are ahead of it.`);
  lines.push(
    "",
    "This comment is updated as the run progresses.",
    "",
    `- Cancel it: \`/maestro cancel ${input.runId}\``,
    "- Check on it: `/maestro status`",
    "",
  );
  return lines.join("\n");
}

export interface UpsertStatusInput {
  owner: string;
  repo: string;
  issueNumber: number;
  runId: string;
  /** The comment body; the marker is added when missing. */
  body: string;
  /** Known comment id: edited directly without searching. */
  commentId?: number;
}

/** Finds the run's comment by its marker. */
export function findStatusComment(
  octokit: Octokit,
  input: Omit<UpsertStatusInput, "body" | "commentId">,
): Promise<number | null> {
  return findCommentWithMarker(octokit, { ...input, marker: statusMarker(input.runId) });
}

export async function upsertStatusComment(
  octokit: Octokit,
  input: UpsertStatusInput,
): Promise<{ id: number; created: boolean }> {
  const marker = statusMarker(input.runId);
  // Within GitHub's size limit, the marker kept: a refused edit would fail the run's final text.
  const body = fitBody(input.body.includes(marker) ? input.body : `${marker}\n${input.body}`, {
    keep: [marker],
  });
  const id = input.commentId ?? (await findStatusComment(octokit, input));
  if (id !== null) {
    await octokit.rest.issues.updateComment({ owner: input.owner, repo: input.repo, comment_id: id, body });
    return { id, created: false };
  }
  return createCommentOnce(octokit, {
    owner: input.owner,
    repo: input.repo,
    issueNumber: input.issueNumber,
    body,
    marker,
  });
}
