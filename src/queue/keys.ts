// Maestro's own Redis keys, all under the store prefix (next to BullMQ's `<prefix>:maestro-runs:*`).
export function repoKey(repo: { owner: string; name: string }): string {
  // GitHub logins and repo names are case-insensitive.
  return `${repo.owner}/${repo.name}`.toLowerCase();
}

export const keys = {
  delivery: (prefix: string, deliveryId: string) => `${prefix}:delivery:${deliveryId}`,
  cancel: (prefix: string, runId: string) => `${prefix}:cancel:${runId}`,
  run: (prefix: string, runId: string) => `${prefix}:run:${runId}`,
  issueRuns: (prefix: string, repo: string, issueNumber: number) => `${prefix}:runs:${repo}#${issueNumber}`,
  cost: (prefix: string, repo: string, day: string) => `${prefix}:cost:${repo}:${day}`,
  active: (prefix: string, repo: string) => `${prefix}:active:${repo}`,
  /** A sender refused in a repo was answered; later refusals stay silent while it lives. */
  refusalReply: (prefix: string, repo: string, sender: string) => `${prefix}:refused:${repo}:${sender}`,
  /** The run's status comment id, or "pending" while its creator posts it. */
  statusComment: (prefix: string, runId: string) => `${prefix}:status-comment:${runId}`,
  /** A review comment already answered for a run (replies are posted once, whatever retries). */
  reviewReply: (prefix: string, runId: string, commentId: number) => `${prefix}:reply:${runId}:${commentId}`,
};
