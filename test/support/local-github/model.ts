// What the local GitHub keeps in memory, and how it renders each thing as GitHub's REST API does
// (the fields apps read; the webhook builders reuse the same renderers).
export type Role = "admin" | "maintain" | "write" | "triage" | "read";

export interface User {
  login: string;
  id: number;
  type: "User" | "Bot" | "Organization";
  name: string | null;
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  /** The bare repository on disk. */
  dir: string;
  installationId: number;
  collaborators: Map<string, Role>;
  labels: Map<string, Label>;
  createdAt: string;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface PullData {
  head: string;
  base: string;
  draft: boolean;
  merged: boolean;
  requestedReviewers: string[];
  requestedTeams: string[];
}

export interface Issue {
  id: number;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  labels: string[];
  state: "open" | "closed";
  createdAt: string;
  updatedAt: string;
  /** Set when this issue is a pull request (they share numbers, as on GitHub). */
  pull?: PullData;
}

export interface IssueComment {
  id: number;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";

export interface Reaction {
  id: number;
  repo: string;
  /** `issue:<number>`, `comment:<id>` (issue comment) or `review_comment:<id>`. */
  subject: string;
  content: ReactionContent;
  user: string;
  createdAt: string;
}

export interface CheckRun {
  id: number;
  repo: string;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string | null;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Every body sent to create or update it, in order. */
  history: Record<string, unknown>[];
}

export interface Review {
  id: number;
  repo: string;
  pullNumber: number;
  user: string;
  body: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
  commitId: string;
  submittedAt: string;
}

export interface ReviewComment {
  id: number;
  repo: string;
  pullNumber: number;
  reviewId: number | null;
  inReplyTo: number | null;
  user: string;
  body: string;
  path: string;
  line: number | null;
  commitId: string;
  createdAt: string;
}

export interface Urls {
  /** e.g. http://127.0.0.1:PORT/api/v3 */
  api: string;
  /** e.g. http://127.0.0.1:PORT */
  html: string;
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

export function userJson(u: User, urls: Urls): Record<string, unknown> {
  return {
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`04:User${u.id}`).toString("base64"),
    avatar_url: `${urls.html}/avatars/${u.id}`,
    gravatar_id: "",
    url: `${urls.api}/users/${encodeURIComponent(u.login)}`,
    html_url: `${urls.html}/${u.login}`,
    type: u.type,
    site_admin: false,
    ...(u.name !== null ? { name: u.name } : {}),
  };
}

export function repoJson(r: Repo, owner: User, urls: Urls): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  return {
    id: r.id,
    node_id: Buffer.from(`010:Repository${r.id}`).toString("base64"),
    name: r.name,
    full_name: full,
    private: r.private,
    owner: userJson(owner, urls),
    html_url: `${urls.html}/${full}`,
    description: null,
    fork: false,
    url: `${urls.api}/repos/${full}`,
    clone_url: `${urls.html}/${full}.git`,
    git_url: `${urls.html}/${full}.git`,
    default_branch: r.defaultBranch,
    visibility: r.private ? "private" : "public",
    archived: false,
    disabled: false,
    created_at: r.createdAt,
    updated_at: r.createdAt,
    pushed_at: r.createdAt,
  };
}

export function labelJson(l: Label, r: Repo, urls: Urls): Record<string, unknown> {
  return {
    id: l.id,
    node_id: Buffer.from(`05:Label${l.id}`).toString("base64"),
    url: `${urls.api}/repos/${r.owner}/${r.name}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: false,
    description: l.description,
  };
}

export function issueJson(
  i: Issue,
  r: Repo,
  user: (login: string) => User,
  urls: Urls,
  commentCount: number,
): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  const kind = i.pull ? "pull" : "issues";
  return {
    id: i.id,
    node_id: Buffer.from(`05:Issue${i.id}`).toString("base64"),
    url: `${urls.api}/repos/${full}/issues/${i.number}`,
    repository_url: `${urls.api}/repos/${full}`,
    comments_url: `${urls.api}/repos/${full}/issues/${i.number}/comments`,
    html_url: `${urls.html}/${full}/${kind}/${i.number}`,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: userJson(user(i.user), urls),
    labels: i.labels.map((n) => labelJson(r.labels.get(n.toLowerCase())!, r, urls)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    comments: commentCount,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: null,
    author_association: authorAssociation(r, i.user),
    ...(i.pull
      ? {
          pull_request: {
            url: `${urls.api}/repos/${full}/pulls/${i.number}`,
            html_url: `${urls.html}/${full}/pull/${i.number}`,
            diff_url: `${urls.html}/${full}/pull/${i.number}.diff`,
            patch_url: `${urls.html}/${full}/pull/${i.number}.patch`,
          },
          draft: i.pull.draft,
        }
      : {}),
  };
}

export function authorAssociation(r: Repo, login: string): string {
  if (login.toLowerCase() === r.owner.toLowerCase()) return "OWNER";
  return r.collaborators.has(login.toLowerCase()) ? "COLLABORATOR" : "NONE";
}

export function commentJson(
  c: IssueComment,
  r: Repo,
  user: (login: string) => User,
  urls: Urls,
): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  return {
    id: c.id,
    node_id: Buffer.from(`012:IssueComment${c.id}`).toString("base64"),
    url: `${urls.api}/repos/${full}/issues/comments/${c.id}`,
    html_url: `${urls.html}/${full}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${urls.api}/repos/${full}/issues/${c.issueNumber}`,
    body: c.body,
    user: userJson(user(c.user), urls),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: authorAssociation(r, c.user),
  };
}

export function reactionJson(
  x: Reaction,
  user: (login: string) => User,
  urls: Urls,
): Record<string, unknown> {
  return {
    id: x.id,
    node_id: Buffer.from(`08:Reaction${x.id}`).toString("base64"),
    user: userJson(user(x.user), urls),
    content: x.content,
    created_at: x.createdAt,
  };
}

export function reviewCommentJson(
  c: ReviewComment,
  r: Repo,
  user: (login: string) => User,
  urls: Urls,
): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  return {
    id: c.id,
    node_id: Buffer.from(`024:PullRequestReviewComment${c.id}`).toString("base64"),
    url: `${urls.api}/repos/${full}/pulls/comments/${c.id}`,
    html_url: `${urls.html}/${full}/pull/${c.pullNumber}#discussion_r${c.id}`,
    pull_request_url: `${urls.api}/repos/${full}/pulls/${c.pullNumber}`,
    pull_request_review_id: c.reviewId,
    ...(c.inReplyTo !== null ? { in_reply_to_id: c.inReplyTo } : {}),
    diff_hunk: "@@ -1 +1 @@",
    path: c.path,
    position: c.line,
    original_position: c.line,
    line: c.line,
    commit_id: c.commitId,
    original_commit_id: c.commitId,
    user: userJson(user(c.user), urls),
    body: c.body,
    created_at: c.createdAt,
    updated_at: c.createdAt,
    author_association: authorAssociation(r, c.user),
    _links: {
      self: { href: `${urls.api}/repos/${full}/pulls/comments/${c.id}` },
      html: { href: `${urls.html}/${full}/pull/${c.pullNumber}#discussion_r${c.id}` },
      pull_request: { href: `${urls.api}/repos/${full}/pulls/${c.pullNumber}` },
    },
  };
}

export function reviewJson(
  v: Review,
  r: Repo,
  user: (login: string) => User,
  urls: Urls,
): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  return {
    id: v.id,
    node_id: Buffer.from(`017:PullRequestReview${v.id}`).toString("base64"),
    user: userJson(user(v.user), urls),
    body: v.body,
    state: v.state,
    html_url: `${urls.html}/${full}/pull/${v.pullNumber}#pullrequestreview-${v.id}`,
    pull_request_url: `${urls.api}/repos/${full}/pulls/${v.pullNumber}`,
    commit_id: v.commitId,
    submitted_at: v.submittedAt,
    author_association: authorAssociation(r, v.user),
    _links: {
      html: { href: `${urls.html}/${full}/pull/${v.pullNumber}#pullrequestreview-${v.id}` },
      pull_request: { href: `${urls.api}/repos/${full}/pulls/${v.pullNumber}` },
    },
  };
}
