// Pull request facts the command router needs: its branches and whether it comes from a fork.
// A fork's branch cannot be pushed with the installation token, and its code is untrusted.
import type { Octokit } from "./octokit.js";

export interface PullInfo {
  number: number;
  headRef: string;
  baseRef: string;
  /** owner/name of the head repo; null when the fork was deleted. */
  headRepoFullName: string | null;
  baseRepoFullName: string;
  fromFork: boolean;
}

interface PullLike {
  number: number;
  head: { ref: string; repo: { full_name: string; id?: number } | null };
  base: { ref: string; repo: { full_name: string; id?: number } };
}

export function pullInfoFrom(pr: PullLike): PullInfo {
  const headRepo = pr.head.repo;
  const fromFork =
    headRepo === null ||
    (headRepo.id !== undefined && pr.base.repo.id !== undefined
      ? headRepo.id !== pr.base.repo.id
      : headRepo.full_name.toLowerCase() !== pr.base.repo.full_name.toLowerCase());
  return {
    number: pr.number,
    headRef: pr.head.ref,
    baseRef: pr.base.ref,
    headRepoFullName: headRepo?.full_name ?? null,
    baseRepoFullName: pr.base.repo.full_name,
    fromFork,
  };
}

/** `pulls.get`: issue_comment payloads on PRs do not carry the branches. */
export async function getPullInfo(
  octokit: Octokit,
  owner: string,
  repo: string,
  pullNumber: number,
): Promise<PullInfo> {
  const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });
  return pullInfoFrom(data as unknown as PullLike);
}

/** null when commands may run on this PR; else the reason for the reply. */
export function forkRefusal(pr: PullInfo): string | null {
  if (!pr.fromFork) return null;
  const from = pr.headRepoFullName ? `the fork \`${pr.headRepoFullName}\`` : "a fork that no longer exists";
  return (
    `This pull request comes from ${from}. Maestro does not run on fork pull requests: it cannot push to a fork's branch, ` +
    `and the fork's code is not trusted. Run the playbook from an issue instead (\`/maestro run NAME\`), or push the branch to this repository.`
  );
}
