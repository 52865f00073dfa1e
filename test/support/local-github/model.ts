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
  const api = `${urls.api}/users/${encodeURIComponent(u.login)}`;
  // Bots have no profile page: GitHub links their app instead.
  const html =
    u.type === "Bot"
      ? `${urls.html}/apps/${encodeURIComponent(u.login.replace(/\[bot\]$/, ""))}`
      : `${urls.html}/${encodeURIComponent(u.login)}`;
  return {
    login: u.login,
    id: u.id,
    node_id: Buffer.from(`04:User${u.id}`).toString("base64"),
    avatar_url: `${urls.html}/avatars/${u.id}`,
    gravatar_id: "",
    url: api,
    html_url: html,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    site_admin: false,
    ...(u.name !== null ? { name: u.name } : {}),
  };
}

/** GET /users/{username}: the public profile. */
export function publicUserJson(u: User, urls: Urls): Record<string, unknown> {
  return {
    ...userJson(u, urls),
    name: u.name,
    company: null,
    blog: "",
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  };
}

export function appJson(
  app: { id: number; slug: string; name: string },
  owner: User,
  urls: Urls,
): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    node_id: Buffer.from(`03:Integration${app.id}`).toString("base64"),
    client_id: `Iv1.${app.id}`,
    owner: userJson(owner, urls),
    name: app.name,
    description: "",
    external_url: urls.html,
    html_url: `${urls.html}/apps/${app.slug}`,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    permissions: {
      issues: "write",
      contents: "write",
      pull_requests: "write",
      checks: "write",
      metadata: "read",
    },
    events: ["issue_comment", "issues", "pull_request_review"],
  };
}

export function repoJson(r: Repo, owner: User, urls: Urls): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  const api = `${urls.api}/repos/${full}`;
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
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${urls.html}/${full}.git`,
    git_url: `${urls.html}/${full}.git`,
    ssh_url: `git@127.0.0.1:${full}.git`,
    svn_url: `${urls.html}/${full}`,
    mirror_url: null,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 0,
    open_issues: 0,
    open_issues_count: 0,
    network_count: 0,
    subscribers_count: 0,
    license: null,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_downloads: false,
    has_pages: false,
    has_discussions: false,
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
    labels_url: `${urls.api}/repos/${full}/issues/${i.number}/labels{/name}`,
    events_url: `${urls.api}/repos/${full}/issues/${i.number}/events`,
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
    // A file-level comment has no line: GitHub leaves the line fields out and says so in subject_type.
    ...(c.line !== null
      ? {
          position: c.line,
          original_position: c.line,
          line: c.line,
          original_line: c.line,
          subject_type: "line",
        }
      : { subject_type: "file" }),
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
