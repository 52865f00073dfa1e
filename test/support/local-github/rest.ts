// The REST operations the local GitHub implements, keyed by GitHub's OpenAPI route (`METHOD /template`).
// Each answers from the in-memory state and the bare repos the way GitHub does, errors included
// (404 for what is missing, 422 with GitHub's messages for what GitHub refuses).
import type { IncomingHttpHeaders } from "node:http";
import { gitRaw, readPath, revParse } from "./git.js";
import {
  appJson,
  commentJson,
  issueJson,
  publicUserJson,
  labelJson,
  reactionJson,
  repoJson,
  reviewCommentJson,
  reviewJson,
  userJson,
  type CheckRun,
  type Issue,
  type ReactionContent,
  type Repo,
  type Role,
} from "./model.js";
import type { State } from "./state.js";

export interface RestRequest {
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body, if any. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The repo named by {owner}/{repo}, already checked to exist and be reachable. */
  repo?: Repo;
  /** The installation the request speaks for, if any. */
  installationId?: number;
  /** Login of who acts (the app's bot for installation tokens). */
  actor: string;
  /** Full request URL, for Link headers. */
  url: URL;
}

export interface RestReply {
  status: number;
  body?: unknown;
  /** Sent as-is instead of JSON. */
  raw?: Buffer;
  headers?: Record<string, string>;
}

type Handler = (s: State, req: RestRequest) => RestReply | Promise<RestReply>;

const DOCS = "https://docs.github.com/rest";

export function notFound(doc = DOCS): RestReply {
  return { status: 404, body: { message: "Not Found", documentation_url: doc, status: "404" } };
}

function validationFailed(errors: Record<string, unknown>[], message = "Validation Failed"): RestReply {
  return { status: 422, body: { message, errors, documentation_url: DOCS, status: "422" } };
}

type Obj = Record<string, unknown>;
const body = (req: RestRequest): Obj => (req.body ?? {}) as Obj;

/** One page of a list, with GitHub's Link header (per_page default 30, max 100). */
function page<T>(req: RestRequest, items: T[], render: (x: T) => unknown): RestReply {
  const perPage = Math.min(100, Math.max(1, Number(req.query.get("per_page") ?? 30) || 30));
  const pageNo = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
  const link = (p: number, rel: string) => {
    const u = new URL(req.url);
    u.searchParams.set("per_page", String(perPage));
    u.searchParams.set("page", String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNo < last) links.push(link(pageNo + 1, "next"), link(last, "last"));
  if (pageNo > 1) links.push(link(1, "first"), link(pageNo - 1, "prev"));
  return {
    status: 200,
    body: slice.map(render),
    ...(links.length ? { headers: { link: links.join(", ") } } : {}),
  };
}

const BASE_PERMISSION: Record<Role | "none", string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};

function issueOr404(s: State, req: RestRequest, key = "issue_number"): Issue | RestReply {
  const issue = s.issue(req.repo!, Number(req.params[key]));
  return issue ?? notFound();
}

function pullOr404(s: State, req: RestRequest): Issue | RestReply {
  const issue = s.issue(req.repo!, Number(req.params.pull_number));
  return issue?.pull ? issue : notFound();
}

const isReply = (x: unknown): x is RestReply => typeof (x as RestReply).status === "number";

export async function pullJson(s: State, r: Repo, i: Issue): Promise<Obj> {
  const full = `${r.owner}/${r.name}`;
  const p = i.pull!;
  const [headSha, baseSha] = await Promise.all([
    revParse(r.dir, `refs/heads/${p.head}`),
    revParse(r.dir, `refs/heads/${p.base}`),
  ]);
  const owner = s.user(r.owner);
  const repo = repoJson(r, owner, s.urls);
  const base = issueJson(i, r, s.userOf, s.urls, s.commentsOn(r, i.number).length);
  const api = `${s.urls.api}/repos/${full}`;
  const commits =
    headSha && baseSha
      ? Number(
          (await gitRaw(r.dir, ["rev-list", "--count", `${baseSha}..${headSha}`])).stdout.toString().trim(),
        ) || 0
      : 0;
  return {
    ...base,
    url: `${api}/pulls/${i.number}`,
    commits_url: `${api}/pulls/${i.number}/commits`,
    review_comments_url: `${api}/pulls/${i.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${i.number}/comments`,
    statuses_url: `${api}/statuses/${headSha ?? "0".repeat(40)}`,
    _links: {
      self: { href: `${api}/pulls/${i.number}` },
      html: { href: `${s.urls.html}/${full}/pull/${i.number}` },
      issue: { href: `${api}/issues/${i.number}` },
      comments: { href: `${api}/issues/${i.number}/comments` },
      review_comments: { href: `${api}/pulls/${i.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${i.number}/commits` },
      statuses: { href: `${api}/statuses/${headSha ?? "0".repeat(40)}` },
    },
    auto_merge: null,
    active_lock_reason: null,
    mergeable: null,
    mergeable_state: "unknown",
    merged_by: null,
    maintainer_can_modify: false,
    review_comments: s.reviewComments.filter(
      (c) => c.repo === `${r.owner}/${r.name}`.toLowerCase() && c.pullNumber === i.number,
    ).length,
    commits,
    additions: 0,
    deletions: 0,
    changed_files: 0,
    html_url: `${s.urls.html}/${full}/pull/${i.number}`,
    issue_url: `${s.urls.api}/repos/${full}/issues/${i.number}`,
    diff_url: `${s.urls.html}/${full}/pull/${i.number}.diff`,
    patch_url: `${s.urls.html}/${full}/pull/${i.number}.patch`,
    draft: p.draft,
    merged: p.merged,
    merged_at: null,
    merge_commit_sha: null,
    requested_reviewers: p.requestedReviewers.map((l) => userJson(s.user(l), s.urls)),
    requested_teams: p.requestedTeams.map((t) => ({ slug: t, name: t })),
    // A deleted branch keeps the last sha GitHub saw; here it reads as zeros.
    head: {
      label: `${r.owner}:${p.head}`,
      ref: p.head,
      sha: headSha ?? "0".repeat(40),
      user: repo.owner,
      repo,
    },
    base: {
      label: `${r.owner}:${p.base}`,
      ref: p.base,
      sha: baseSha ?? "0".repeat(40),
      user: repo.owner,
      repo,
    },
  };
}

function checkRunJson(s: State, r: Repo, c: CheckRun): Obj {
  const full = `${r.owner}/${r.name}`;
  return {
    id: c.id,
    node_id: Buffer.from(`08:CheckRun${c.id}`).toString("base64"),
    head_sha: c.headSha,
    external_id: c.externalId,
    url: `${s.urls.api}/repos/${full}/check-runs/${c.id}`,
    html_url: `${s.urls.html}/${full}/runs/${c.id}`,
    details_url: c.detailsUrl,
    status: c.status,
    conclusion: c.conclusion,
    started_at: c.startedAt,
    completed_at: c.completedAt,
    output: {
      ...c.output,
      annotations_count: 0,
      annotations_url: `${s.urls.api}/repos/${full}/check-runs/${c.id}/annotations`,
    },
    name: c.name,
    check_suite: { id: c.id },
    app: appJson(s.app, s.user(s.appOwner), s.urls),
    pull_requests: [],
  };
}

function applyCheckRunFields(s: State, c: CheckRun, b: Obj): void {
  if (typeof b.name === "string") c.name = b.name;
  if (typeof b.details_url === "string") c.detailsUrl = b.details_url;
  if (typeof b.external_id === "string") c.externalId = b.external_id;
  if (typeof b.started_at === "string") c.startedAt = b.started_at;
  if (typeof b.status === "string") c.status = b.status as CheckRun["status"];
  if (typeof b.conclusion === "string") {
    c.conclusion = b.conclusion;
    c.status = "completed";
  }
  if (typeof b.completed_at === "string") c.completedAt = b.completed_at;
  if (c.status === "completed" && !c.completedAt) c.completedAt = s.now();
  if (c.status === "in_progress" && !c.startedAt) c.startedAt = s.now();
  const out = b.output as Obj | undefined;
  if (out) {
    c.output = {
      title: typeof out.title === "string" ? out.title : c.output.title,
      summary: typeof out.summary === "string" ? out.summary : c.output.summary,
      text: typeof out.text === "string" ? out.text : c.output.text,
    };
  }
  c.history.push(structuredClone(b));
}

function requireConclusion(b: Obj, existing?: CheckRun): RestReply | null {
  const status = b.status ?? existing?.status;
  const conclusion = b.conclusion ?? existing?.conclusion;
  if ((status === "completed" || b.completed_at !== undefined) && !conclusion)
    return validationFailed(
      [],
      'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.',
    );
  return null;
}

async function reactionCreate(s: State, req: RestRequest, subject: string): Promise<RestReply> {
  const content = body(req).content as ReactionContent;
  const existing = s.reactions.find(
    (x) =>
      x.repo === `${req.repo!.owner}/${req.repo!.name}`.toLowerCase() &&
      x.subject === subject &&
      x.content === content &&
      x.user === req.actor,
  );
  // GitHub answers 200 with the existing reaction when the same user reacts the same way again.
  if (existing) return { status: 200, body: reactionJson(existing, s.userOf, s.urls) };
  const x = {
    id: s.nextId(),
    repo: `${req.repo!.owner}/${req.repo!.name}`.toLowerCase(),
    subject,
    content,
    user: req.actor,
    createdAt: s.now(),
  };
  s.reactions.push(x);
  return { status: 201, body: reactionJson(x, s.userOf, s.urls) };
}

function reactionList(s: State, req: RestRequest, subject: string): RestReply {
  const content = req.query.get("content");
  const list = s.reactions.filter(
    (x) =>
      x.repo === `${req.repo!.owner}/${req.repo!.name}`.toLowerCase() &&
      x.subject === subject &&
      (!content || x.content === content),
  );
  return page(req, list, (x) => reactionJson(x, s.userOf, s.urls));
}

function commentOr404(s: State, req: RestRequest) {
  const key = `${req.repo!.owner}/${req.repo!.name}`.toLowerCase();
  return s.comments.find((c) => c.repo === key && c.id === Number(req.params.comment_id));
}

export const handlers: Record<string, Handler> = {
  "GET /app": (s) => ({ status: 200, body: appJson(s.app, s.user(s.appOwner), s.urls) }),

  "GET /users/{username}": (s, req) => {
    const u = s.findUser(req.params.username!);
    if (!u) return notFound("https://docs.github.com/rest/users/users#get-a-user");
    return { status: 200, body: publicUserJson(u, s.urls) };
  },

  "GET /repos/{owner}/{repo}": (s, req) => ({
    status: 200,
    body: repoJson(req.repo!, s.user(req.repo!.owner), s.urls),
  }),

  "GET /repos/{owner}/{repo}/collaborators/{username}/permission": (s, req) => {
    const r = req.repo!;
    const u = s.findUser(req.params.username!);
    if (!u) return notFound();
    const role: Role | "none" =
      u.login.toLowerCase() === r.owner.toLowerCase()
        ? "admin"
        : (r.collaborators.get(u.login.toLowerCase()) ?? (r.private ? "none" : "read"));
    return {
      status: 200,
      body: {
        permission: BASE_PERMISSION[role],
        role_name: role,
        user: {
          ...userJson(u, s.urls),
          role_name: role,
          permissions: {
            admin: role === "admin",
            maintain: role === "admin" || role === "maintain",
            push: ["admin", "maintain", "write"].includes(role),
            triage: role !== "read" && role !== "none",
            pull: role !== "none",
          },
        },
      },
    };
  },

  "GET /repos/{owner}/{repo}/contents/{path}": async (s, req) => {
    const r = req.repo!;
    const ref = req.query.get("ref") ?? r.defaultBranch;
    const rev = (await revParse(r.dir, ref)) ?? (await revParse(r.dir, `refs/heads/${ref}`));
    if (!rev)
      return {
        status: 404,
        body: { message: `No commit found for the ref ${ref}`, documentation_url: DOCS, status: "404" },
      };
    const found = await readPath(r.dir, rev, req.params.path!);
    if (!found) return notFound("https://docs.github.com/rest/repos/contents#get-repository-content");
    const full = `${r.owner}/${r.name}`;
    const raw = /raw/.test(String(req.headers.accept ?? ""));
    if (found.kind === "file") {
      if (raw)
        return {
          status: 200,
          raw: found.content,
          headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
        };
      const p = req.params.path!.replace(/^\/+|\/+$/g, "");
      return {
        status: 200,
        body: {
          type: "file",
          encoding: "base64",
          size: found.content.length,
          name: p.split("/").pop(),
          path: p,
          content: found.content.toString("base64"),
          sha: found.sha,
          url: `${s.urls.api}/repos/${full}/contents/${p}?ref=${encodeURIComponent(ref)}`,
          git_url: `${s.urls.api}/repos/${full}/git/blobs/${found.sha}`,
          html_url: `${s.urls.html}/${full}/blob/${ref}/${p}`,
          download_url: `${s.urls.html}/${full}/raw/${ref}/${p}`,
          _links: { self: `${s.urls.api}/repos/${full}/contents/${p}`, git: null, html: null },
        },
      };
    }
    return {
      status: 200,
      body: found.entries.map((e) => ({
        type: e.type === "tree" ? "dir" : "file",
        size: e.size,
        name: e.name,
        path: e.path,
        sha: e.sha,
        url: `${s.urls.api}/repos/${full}/contents/${e.path}?ref=${encodeURIComponent(ref)}`,
        git_url: null,
        html_url: null,
        download_url: null,
        _links: { self: `${s.urls.api}/repos/${full}/contents/${e.path}`, git: null, html: null },
      })),
    };
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}": (s, req) => {
    const i = issueOr404(s, req);
    if (isReply(i)) return i;
    return {
      status: 200,
      body: issueJson(i, req.repo!, s.userOf, s.urls, s.commentsOn(req.repo!, i.number).length),
    };
  },

  "POST /repos/{owner}/{repo}/issues": (s, req) => {
    const b = body(req);
    const i = s.createIssue(req.repo!, {
      title: String(b.title),
      body: typeof b.body === "string" ? b.body : null,
      user: req.actor,
      labels: ((b.labels as unknown[]) ?? []).map((l) =>
        typeof l === "string" ? l : String((l as Obj).name),
      ),
    });
    return { status: 201, body: issueJson(i, req.repo!, s.userOf, s.urls, 0) };
  },

  "PATCH /repos/{owner}/{repo}/issues/{issue_number}": (s, req) => {
    const i = issueOr404(s, req);
    if (isReply(i)) return i;
    const b = body(req);
    if (typeof b.title === "string") i.title = b.title;
    if (typeof b.body === "string" || b.body === null) i.body = b.body as string | null;
    if (b.state === "open" || b.state === "closed") i.state = b.state;
    if (Array.isArray(b.labels))
      i.labels = b.labels.map(
        (l) => s.label(req.repo!, typeof l === "string" ? l : String((l as Obj).name)).name,
      );
    i.updatedAt = s.now();
    return {
      status: 200,
      body: issueJson(i, req.repo!, s.userOf, s.urls, s.commentsOn(req.repo!, i.number).length),
    };
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": (s, req) => {
    const i = issueOr404(s, req);
    if (isReply(i)) return i;
    const since = req.query.get("since");
    const list = s.commentsOn(req.repo!, i.number).filter((c) => !since || c.updatedAt >= since);
    return page(req, list, (c) => commentJson(c, req.repo!, s.userOf, s.urls));
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": (s, req) => {
    const i = issueOr404(s, req);
    if (isReply(i)) return i;
    const text = String(body(req).body);
    if (text.length > 65536)
      return validationFailed([
        {
          resource: "IssueComment",
          code: "custom",
          field: "body",
          message: "body is too long (maximum is 65536 characters)",
        },
      ]);
    const c = s.createComment(req.repo!, i, text, req.actor);
    return { status: 201, body: commentJson(c, req.repo!, s.userOf, s.urls) };
  },

  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}": (s, req) => {
    const c = commentOr404(s, req);
    return c ? { status: 200, body: commentJson(c, req.repo!, s.userOf, s.urls) } : notFound();
  },

  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": (s, req) => {
    const c = commentOr404(s, req);
    if (!c) return notFound();
    const text = String(body(req).body);
    if (text.length > 65536)
      return validationFailed([
        {
          resource: "IssueComment",
          code: "custom",
          field: "body",
          message: "body is too long (maximum is 65536 characters)",
        },
      ]);
    c.body = text;
    c.updatedAt = s.now();
    return { status: 200, body: commentJson(c, req.repo!, s.userOf, s.urls) };
  },

  "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}": (s, req) => {
    const c = commentOr404(s, req);
    if (!c) return notFound();
    s.comments.splice(s.comments.indexOf(c), 1);
    return { status: 204 };
  },

  "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": (s, req) =>
    commentOr404(s, req) ? reactionCreate(s, req, `comment:${req.params.comment_id}`) : notFound(),
  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": (s, req) =>
    commentOr404(s, req) ? reactionList(s, req, `comment:${req.params.comment_id}`) : notFound(),
  "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": (s, req) => {
    const i = issueOr404(s, req);
    return isReply(i) ? i : reactionCreate(s, req, `issue:${i.number}`);
  },
  "GET /repos/{owner}/{repo}/issues/{issue_number}/reactions": (s, req) => {
    const i = issueOr404(s, req);
    return isReply(i) ? i : reactionList(s, req, `issue:${i.number}`);
  },
  "POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions": (s, req) =>
    s.reviewComments.some((c) => c.id === Number(req.params.comment_id))
      ? reactionCreate(s, req, `review_comment:${req.params.comment_id}`)
      : notFound(),

  "GET /repos/{owner}/{repo}/issues/{issue_number}/labels": (s, req) => {
    const i = issueOr404(s, req);
    if (isReply(i)) return i;
    return page(req, i.labels, (n) => labelJson(s.label(req.repo!, n), req.repo!, s.urls));
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels": (s, req) => {
    const i = issueOr404(s, req);
    if (isReply(i)) return i;
    const b = req.body;
    const raw: unknown[] = Array.isArray(b)
      ? b
      : Array.isArray((b as Obj)?.labels)
        ? ((b as Obj).labels as unknown[])
        : typeof (b as Obj)?.labels === "string"
          ? [(b as Obj).labels]
          : [];
    for (const l of raw) {
      const name = s.label(req.repo!, typeof l === "string" ? l : String((l as Obj).name)).name;
      if (!i.labels.some((x) => x.toLowerCase() === name.toLowerCase())) i.labels.push(name);
    }
    i.updatedAt = s.now();
    return { status: 200, body: i.labels.map((n) => labelJson(s.label(req.repo!, n), req.repo!, s.urls)) };
  },

  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": (s, req) => {
    const i = issueOr404(s, req);
    if (isReply(i)) return i;
    const at = i.labels.findIndex((x) => x.toLowerCase() === req.params.name!.toLowerCase());
    if (at < 0)
      return {
        status: 404,
        body: { message: "Label does not exist", documentation_url: DOCS, status: "404" },
      };
    i.labels.splice(at, 1);
    i.updatedAt = s.now();
    return { status: 200, body: i.labels.map((n) => labelJson(s.label(req.repo!, n), req.repo!, s.urls)) };
  },

  "GET /repos/{owner}/{repo}/pulls": async (s, req) => {
    const r = req.repo!;
    const state = req.query.get("state") ?? "open";
    const head = req.query.get("head");
    const base = req.query.get("base");
    const list = s
      .issuesOf(r)
      .filter((i) => i.pull)
      .filter((i) => state === "all" || i.state === state)
      .filter(
        (i) =>
          !head ||
          (head.includes(":")
            ? head.toLowerCase() === `${r.owner}:${i.pull!.head}`.toLowerCase()
            : i.pull!.head === head),
      )
      .filter((i) => !base || i.pull!.base === base)
      .sort((a, b) => b.number - a.number);
    const one = page(req, list, (x) => x);
    one.body = await Promise.all((one.body as Issue[]).map((i) => pullJson(s, r, i)));
    return one;
  },

  "POST /repos/{owner}/{repo}/pulls": async (s, req) => {
    const r = req.repo!;
    const b = body(req);
    const headSpec = String(b.head ?? "");
    const [headOwner, headBranch] = headSpec.includes(":")
      ? (headSpec.split(":", 2) as [string, string])
      : [r.owner, headSpec];
    const baseBranch = String(b.base ?? "");
    if (headOwner.toLowerCase() !== r.owner.toLowerCase())
      return validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    const [headSha, baseSha] = await Promise.all([
      revParse(r.dir, `refs/heads/${headBranch}`),
      revParse(r.dir, `refs/heads/${baseBranch}`),
    ]);
    if (!baseSha) return validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    if (!headSha) return validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
    const dup = s
      .issuesOf(r)
      .find((i) => i.pull && i.state === "open" && i.pull.head === headBranch && i.pull.base === baseBranch);
    if (dup)
      return validationFailed([
        {
          resource: "PullRequest",
          code: "custom",
          message: `A pull request already exists for ${r.owner}:${headBranch}.`,
        },
      ]);
    const ahead = await gitRaw(r.dir, ["rev-list", "--count", `${baseSha}..${headSha}`]);
    if (ahead.stdout.toString().trim() === "0")
      return validationFailed([
        {
          resource: "PullRequest",
          code: "custom",
          message: `No commits between ${baseBranch} and ${headBranch}`,
        },
      ]);
    const i = s.createIssue(r, {
      title: String(b.title ?? ""),
      body: typeof b.body === "string" ? b.body : null,
      user: req.actor,
      pull: {
        head: headBranch,
        base: baseBranch,
        draft: b.draft === true,
        merged: false,
        requestedReviewers: [],
        requestedTeams: [],
      },
    });
    return { status: 201, body: await pullJson(s, r, i) };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}": async (s, req) => {
    const i = pullOr404(s, req);
    return isReply(i) ? i : { status: 200, body: await pullJson(s, req.repo!, i) };
  },

  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": async (s, req) => {
    const i = pullOr404(s, req);
    if (isReply(i)) return i;
    const b = body(req);
    if (typeof b.title === "string") i.title = b.title;
    if (typeof b.body === "string") i.body = b.body;
    if (b.state === "open" || b.state === "closed") i.state = b.state;
    if (typeof b.base === "string") i.pull!.base = b.base;
    i.updatedAt = s.now();
    return { status: 200, body: await pullJson(s, req.repo!, i) };
  },

  "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": async (s, req) => {
    const i = pullOr404(s, req);
    if (isReply(i)) return i;
    const r = req.repo!;
    const b = body(req);
    const reviewers = ((b.reviewers as string[]) ?? []).map(String);
    const teams = ((b.team_reviewers as string[]) ?? []).map(String);
    for (const login of reviewers) {
      if (login.toLowerCase() === i.user.toLowerCase())
        return validationFailed([], "Review cannot be requested from pull request author.");
      const isOwner = login.toLowerCase() === r.owner.toLowerCase();
      if (!isOwner && !r.collaborators.has(login.toLowerCase()))
        return validationFailed(
          [],
          `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${r.owner}/${r.name} repository.`,
        );
    }
    for (const login of reviewers) {
      const u = s.user(login).login;
      if (!i.pull!.requestedReviewers.some((x) => x.toLowerCase() === u.toLowerCase()))
        i.pull!.requestedReviewers.push(u);
    }
    for (const t of teams) if (!i.pull!.requestedTeams.includes(t)) i.pull!.requestedTeams.push(t);
    return { status: 201, body: await pullJson(s, r, i) };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": (s, req) => {
    const i = pullOr404(s, req);
    if (isReply(i)) return i;
    return {
      status: 200,
      body: {
        users: i.pull!.requestedReviewers.map((l) => userJson(s.user(l), s.urls)),
        teams: i.pull!.requestedTeams.map((t) => ({ slug: t, name: t })),
      },
    };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}": (s, req) => {
    const v = s.reviews.find(
      (x) => x.id === Number(req.params.review_id) && x.pullNumber === Number(req.params.pull_number),
    );
    return v ? { status: 200, body: reviewJson(v, req.repo!, s.userOf, s.urls) } : notFound();
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments": (s, req) => {
    const i = pullOr404(s, req);
    if (isReply(i)) return i;
    const reviewId = Number(req.params.review_id);
    if (!s.reviews.some((x) => x.id === reviewId && x.pullNumber === i.number)) return notFound();
    const list = s.reviewComments.filter((c) => c.reviewId === reviewId);
    // This route answers in the legacy shape: position is required (null for a file-level comment) and
    // original_position an integer (the spec allows no null there, so a file-level comment says 1).
    return page(req, list, (c) => ({
      position: null,
      original_position: 1,
      ...reviewCommentJson(c, req.repo!, s.userOf, s.urls),
    }));
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments": (s, req) => {
    const i = pullOr404(s, req);
    if (isReply(i)) return i;
    const list = s.reviewComments.filter((c) => c.pullNumber === i.number);
    return page(req, list, (c) => reviewCommentJson(c, req.repo!, s.userOf, s.urls));
  },

  "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies": (s, req) => {
    const i = pullOr404(s, req);
    if (isReply(i)) return i;
    const parent = s.reviewComments.find(
      (c) => c.id === Number(req.params.comment_id) && c.pullNumber === i.number,
    );
    if (!parent) return notFound();
    const c = {
      id: s.nextId(),
      repo: parent.repo,
      pullNumber: i.number,
      reviewId: null,
      inReplyTo: parent.inReplyTo ?? parent.id,
      user: req.actor,
      body: String(body(req).body),
      path: parent.path,
      line: parent.line,
      commitId: parent.commitId,
      createdAt: s.now(),
    };
    s.reviewComments.push(c);
    return { status: 201, body: reviewCommentJson(c, req.repo!, s.userOf, s.urls) };
  },

  "POST /repos/{owner}/{repo}/check-runs": async (s, req) => {
    const r = req.repo!;
    const b = body(req);
    const headSha = String(b.head_sha);
    const exists = await gitRaw(r.dir, ["cat-file", "-e", `${headSha}^{commit}`]);
    if (exists.code !== 0 || !/^[0-9a-f]{40}$/.test(headSha))
      return validationFailed([], `No commit found for SHA: ${headSha}`);
    const bad = requireConclusion(b);
    if (bad) return bad;
    const c: CheckRun = {
      id: s.nextId(),
      repo: `${r.owner}/${r.name}`.toLowerCase(),
      name: String(b.name),
      headSha,
      status: "queued",
      conclusion: null,
      detailsUrl: null,
      externalId: null,
      startedAt: null,
      completedAt: null,
      output: { title: null, summary: null, text: null },
      history: [],
    };
    applyCheckRunFields(s, c, b);
    s.checkRuns.push(c);
    return { status: 201, body: checkRunJson(s, r, c) };
  },

  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": (s, req) => {
    const c = s.checkRuns.find((x) => x.id === Number(req.params.check_run_id));
    if (!c) return notFound();
    const bad = requireConclusion(body(req), c);
    if (bad) return bad;
    applyCheckRunFields(s, c, body(req));
    return { status: 200, body: checkRunJson(s, req.repo!, c) };
  },

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}": (s, req) => {
    const c = s.checkRuns.find((x) => x.id === Number(req.params.check_run_id));
    return c ? { status: 200, body: checkRunJson(s, req.repo!, c) } : notFound();
  },

  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": async (s, req) => {
    const r = req.repo!;
    const ref = req.params.ref!;
    const sha = (await revParse(r.dir, ref)) ?? (await revParse(r.dir, `refs/heads/${ref}`));
    if (!sha)
      return {
        status: 422,
        body: { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS, status: "422" },
      };
    const name = req.query.get("check_name");
    const status = req.query.get("status");
    const list = s.checkRuns.filter(
      (c) =>
        c.repo === `${r.owner}/${r.name}`.toLowerCase() &&
        c.headSha === sha &&
        (!name || c.name === name) &&
        (!status || c.status === status),
    );
    return {
      status: 200,
      body: { total_count: list.length, check_runs: list.map((c) => checkRunJson(s, r, c)) },
    };
  },
};
