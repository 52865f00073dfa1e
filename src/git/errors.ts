// Typed git failures, classified from git's own messages (after Renovate's lib/util/git/error.ts).
export type GitErrorKind =
  | "not_a_repository"
  | "bad_ref"
  | "branch_exists"
  | "worktree_exists"
  | "already_checked_out"
  | "auth_failed"
  | "repo_not_found"
  | "network"
  | "lock"
  | "nothing_to_commit"
  | "merge_conflict"
  | "protected_branch"
  | "non_fast_forward"
  | "push_rejected"
  | "disk_full"
  | "timeout"
  | "aborted"
  | "git_missing"
  | "unknown";

export class GitError extends Error {
  override readonly name = "GitError";
  readonly kind: GitErrorKind;
  readonly stderr: string;
  /** The git arguments, already redacted. */
  readonly args: string[];
  readonly exitCode: number | null;

  constructor(opts: {
    kind: GitErrorKind;
    message: string;
    stderr?: string;
    args?: string[];
    exitCode?: number | null;
  }) {
    super(opts.message);
    this.kind = opts.kind;
    this.stderr = opts.stderr ?? "";
    this.args = opts.args ?? [];
    this.exitCode = opts.exitCode ?? null;
  }
}

// Order matters: auth before network ("unable to access … 403"), branch before worktree path.
const PATTERNS: Array<[GitErrorKind, RegExp]> = [
  ["disk_full", /no space left on device|ENOSPC|disk quota exceeded/i],
  ["not_a_repository", /not a git repository/i],
  [
    "auth_failed",
    /authentication failed|could not read (username|password)|terminal prompts disabled|invalid credentials|access denied|permission denied \(publickey|the requested URL returned error: 40[13]|HTTP 40[13]|bad credentials/i,
  ],
  [
    "repo_not_found",
    /repository ['"]?.*['"]? not found|repository not found|does not appear to be a git repository|the requested URL returned error: 404/i,
  ],
  [
    "network",
    /could not resolve host|connection refused|connection timed out|connection reset|failed to connect|operation timed out|the remote end hung up|early EOF|RPC failed|unable to access|network is unreachable|SSL/i,
  ],
  [
    "lock",
    /index\.lock|unable to create '[^']*\.lock'|cannot lock ref|\.lock': File exists|another git process/i,
  ],
  [
    "already_checked_out",
    /is already checked out at|is already used by worktree at|is already checked out in/i,
  ],
  ["branch_exists", /a branch named '[^']+' already exists|branch '[^']+' already exists/i],
  ["worktree_exists", /is a missing but (already registered|locked) worktree|fatal: '[^']+' already exists/i],
  [
    "bad_ref",
    /unknown revision|bad revision|invalid reference|not a valid object name|not a valid ref|couldn't find remote ref|needed a single revision|ambiguous argument|invalid branch name|not a valid branch name|is not a valid branch name|src refspec .* does not match any/i,
  ],
  ["nothing_to_commit", /nothing to commit|nothing added to commit|no changes added to commit/i],
  [
    "merge_conflict",
    /CONFLICT \(|automatic merge failed|merge conflict|you need to resolve your current index|needs merge/i,
  ],
  [
    "protected_branch",
    /protected branch|GH006|GH013|Repository rule violations|push declined due to repository rule/i,
  ],
  ["non_fast_forward", /non-fast-forward|\(fetch first\)|tip of your current branch is behind/i],
  ["push_rejected", /\[rejected\]|\[remote rejected\]|failed to push some refs|pre-receive hook declined/i],
];

const HINTS: Record<GitErrorKind, string> = {
  not_a_repository: "Run Maestro inside a git repository, or pass --repo DIR pointing at one.",
  bad_ref: "Check the branch, tag or commit name (is it fetched? does it exist on the remote?).",
  branch_exists: "Choose another branch name, delete the old branch, or continue it (--branch NAME).",
  worktree_exists:
    "The worktree path is taken; remove it (git worktree remove --force PATH) or use another path.",
  already_checked_out:
    "The branch is checked out in another worktree that is still in use; wait for that run or remove its worktree.",
  auth_failed:
    "GitHub refused the credentials: check that the GitHub App is still installed on this repository with `contents: write`.",
  repo_not_found: "Check the repository owner/name and that the credentials can see it.",
  network: "The remote could not be reached; check connectivity and retry.",
  lock: "Another git process holds a lock; wait and retry, or remove the stale .lock file if no git is running.",
  nothing_to_commit: "There were no changes to commit.",
  merge_conflict: "Resolve the conflict, or start again from a clean base.",
  protected_branch:
    "The branch is protected on GitHub (branch protection or a ruleset): Maestro pushes only its own run branches; check `branchPrefix` and the repository's rules for it.",
  non_fast_forward:
    "Someone else pushed to this branch meanwhile; Maestro never force-pushes over them. Retry (`/maestro retry`) to continue from the branch as it is now.",
  push_rejected: "GitHub refused the push (a server-side hook or rule); its message above says why.",
  disk_full: "Free disk space (old worktrees and mirrors under MAESTRO_DATA_DIR) and retry.",
  timeout: "git took too long; check the network and the repository size, or raise the timeout.",
  aborted: "The operation was cancelled.",
  git_missing: "Install git (2.31 or newer) and make sure it is on PATH.",
  unknown: "See git's message above.",
};

export function classifyGitError(output: string): GitErrorKind {
  for (const [kind, re] of PATTERNS) if (re.test(output)) return kind;
  return "unknown";
}

export function gitHint(kind: GitErrorKind): string {
  return HINTS[kind];
}

/** The most telling line of git's stderr (the remote's error, else git's fatal:/error: line, else the last one). */
export function mainLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  // The server's own reason (GitHub's "remote: error: GH006: …") says more than git's "failed to push".
  const remote = lines.find((l) => /^remote: (fatal|error):/i.test(l));
  if (remote) return remote.replace(/^remote:\s*/i, "");
  return lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines[lines.length - 1] ?? "";
}
