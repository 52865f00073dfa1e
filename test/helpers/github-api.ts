// A stand-in for GitHub's REST API built from GitHub's own material: every request the app makes is
// recorded and checked against the official OpenAPI description (@octokit/openapi), route and body.
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { ajv, bodyValidator, matchRoute } from "../support/openapi.js";

// The spec matcher lives in test/support/openapi.ts (shared with the local GitHub server).
export { matchRoute };

type Json = unknown;

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Json;
  /** `METHOD /template` from the spec, or null when no route matched. */
  route: string | null;
  params: Record<string, string>;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
}

export interface FakePull {
  number: number;
  headRef: string;
  baseRef: string;
  /** owner/name of the head repo; null for a deleted fork. Defaults to the base repo. */
  headRepo?: string | null;
}

export interface GitHubState {
  /** login → role_name (admin, maintain, write, triage, read, none). Unknown users get 404. */
  permissions: Record<string, string>;
  /** path in the repo → file text (default branch). */
  files: Record<string, string>;
  pulls: Record<number, FakePull>;
  comments: FakeComment[];
  reactions: { target: string; content: string }[];
  /** review id → its inline comments. */
  reviewComments: Record<number, { id: number; path: string; line: number | null; body: string }[]>;
  /** Injected failures: the next `times` requests to `route` (`METHOD /template`) get `status`. */
  failures: {
    route: string;
    status: number;
    times: number;
    /** Do the work, then fail (a lost response). */ after?: boolean;
  }[];
}

const BASE_PERMISSION: Record<string, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};

let nextId = 1000;

function user(login: string): Record<string, unknown> {
  return { login, id: 1, node_id: "MDQ6VXNlcjE=", type: "User", site_admin: false };
}

/** Answers a request the way GitHub would, from the fake state. */
function respond(
  state: GitHubState,
  req: RecordedRequest,
  owner: string,
  repoName: string,
): [number, Json, Record<string, string>?] {
  const p = req.params;
  const full = `${owner}/${repoName}`;
  switch (req.route) {
    case "POST /app/installations/{installation_id}/access_tokens":
      return [
        201,
        {
          token: "ghs_" + "T".repeat(36),
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {
            issues: "write",
            contents: "write",
            pull_requests: "write",
            metadata: "read",
          },
          repository_selection: "all",
        },
      ];
    case "GET /repos/{owner}/{repo}/collaborators/{username}/permission": {
      const role = state.permissions[p.username!];
      if (role === undefined)
        return [404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }];
      return [200, { permission: BASE_PERMISSION[role] ?? "read", role_name: role, user: user(p.username!) }];
    }
    case "GET /repos/{owner}/{repo}/contents/{path}": {
      // The org-wide `.github` repo (Probot's config fallback) holds nothing.
      if (p.repo === ".github") return [404, { message: "Not Found" }];
      const path = p.path!.replace(/^\/+|\/+$/g, "");
      const text = state.files[path];
      const raw = String(req.headers["accept"] ?? "").includes("raw");
      if (text !== undefined) {
        if (raw) return [200, text, { "content-type": "application/vnd.github.raw; charset=utf-8" }];
        return [
          200,
          {
            type: "file",
            name: path.split("/").pop(),
            path,
            sha: "0".repeat(40),
            size: text.length,
            encoding: "base64",
            content: Buffer.from(text).toString("base64"),
          },
        ];
      }
      const children = Object.keys(state.files).filter(
        (f) => f.startsWith(`${path}/`) && !f.slice(path.length + 1).includes("/"),
      );
      if (children.length > 0) {
        return [
          200,
          children.map((f) => ({
            type: "file",
            name: f.split("/").pop(),
            path: f,
            sha: "0".repeat(40),
            size: state.files[f]!.length,
          })),
        ];
      }
      return [404, { message: "Not Found" }];
    }
    case "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": {
      const n = Number(p.issue_number);
      return [
        200,
        state.comments
          .filter((c) => c.issueNumber === n)
          .map((c) => ({ id: c.id, body: c.body, user: user(c.user) })),
      ];
    }
    case "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": {
      const c: FakeComment = {
        id: nextId++,
        issueNumber: Number(p.issue_number),
        body: (req.body as { body: string }).body,
        user: "maestro[bot]",
      };
      state.comments.push(c);
      return [
        201,
        {
          id: c.id,
          body: c.body,
          html_url: `https://github.com/${full}/issues/${c.issueNumber}#issuecomment-${c.id}`,
          user: user(c.user),
        },
      ];
    }
    case "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": {
      const c = state.comments.find((x) => x.id === Number(p.comment_id));
      if (!c) return [404, { message: "Not Found" }];
      c.body = (req.body as { body: string }).body;
      return [200, { id: c.id, body: c.body }];
    }
    case "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions":
      state.reactions.push({
        target: `comment:${p.comment_id}`,
        content: (req.body as { content: string }).content,
      });
      return [
        201,
        { id: nextId++, content: (req.body as { content: string }).content, user: user("maestro[bot]") },
      ];
    case "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions":
      state.reactions.push({
        target: `issue:${p.issue_number}`,
        content: (req.body as { content: string }).content,
      });
      return [
        201,
        { id: nextId++, content: (req.body as { content: string }).content, user: user("maestro[bot]") },
      ];
    case "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments":
      return [
        200,
        (state.reviewComments[Number(p.review_id)] ?? []).map((c) => ({
          ...c,
          pull_request_review_id: Number(p.review_id),
          user: user("reviewer"),
        })),
      ];
    case "GET /repos/{owner}/{repo}/pulls/{pull_number}": {
      const pr = state.pulls[Number(p.pull_number)];
      if (!pr) return [404, { message: "Not Found" }];
      const headRepo = pr.headRepo === undefined ? full : pr.headRepo;
      return [
        200,
        {
          number: pr.number,
          state: "open",
          draft: true,
          head: {
            ref: pr.headRef,
            sha: "1".repeat(40),
            repo: headRepo === null ? null : { id: headRepo === full ? 1 : 2, full_name: headRepo },
          },
          base: { ref: pr.baseRef, sha: "2".repeat(40), repo: { id: 1, full_name: full } },
        },
      ];
    }
    default:
      return [404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }];
  }
}

export interface GitHubMock {
  state: GitHubState;
  requests: RecordedRequest[];
  /** Problems with the recorded requests: unknown routes, bodies that fail the spec. Empty when all is well. */
  problems(): string[];
  /** Requests other than the token request, as `METHOD /template`. */
  calls(): string[];
  commentsOn(issueNumber: number): FakeComment[];
  reset(): void;
  done(): void;
}

/**
 * Intercepts all of api.github.com (or baseUrl). Real network is off except 127.0.0.1 (Redis).
 * `owner/repo` is the repository the fake state belongs to.
 */
export function mockGitHub(opts: {
  owner: string;
  repo: string;
  baseUrl?: string;
  state?: Partial<GitHubState>;
}): GitHubMock {
  const base = opts.baseUrl ?? "https://api.github.com";
  const prefix = new URL(base).pathname.replace(/\/$/, "");
  const state: GitHubState = {
    permissions: {},
    files: {},
    pulls: {},
    comments: [],
    reactions: [],
    reviewComments: {},
    failures: [],
    ...opts.state,
  };
  const requests: RecordedRequest[] = [];
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const origin = new URL(base).origin;
  for (const method of ["get", "post", "patch", "put", "delete"] as const) {
    const scope = nock(origin).persist();
    scope[method](/.*/).reply(function (uri, body) {
      const url = new URL(uri, origin);
      const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || "/" : url.pathname;
      const m = matchRoute(method, path);
      let parsed: Json = body;
      if (typeof body === "string" && body !== "") {
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = body;
        }
      }
      const rec: RecordedRequest = {
        method: method.toUpperCase(),
        path,
        query: url.search,
        headers: this.req.headers as Record<string, string | undefined>,
        body: parsed === "" ? undefined : parsed,
        route: m ? `${m.route.method} ${m.route.template}` : null,
        params: m?.params ?? {},
      };
      requests.push(rec);
      if (process.env.GH_TRACE) console.log(Date.now() % 100000, rec.method, path);
      if (!m)
        return [501, { message: `No such route in GitHub's OpenAPI description: ${rec.method} ${path}` }];
      const failure = state.failures.find((f) => f.route === rec.route && f.times > 0);
      if (failure) {
        failure.times -= 1;
        if (failure.after) respond(state, rec, opts.owner, opts.repo);
        return [
          failure.status,
          JSON.stringify({ message: "Server Error" }),
          { "content-type": "application/json; charset=utf-8" },
        ];
      }
      const [status, resBody, headers] = respond(state, rec, opts.owner, opts.repo);
      return [
        status,
        typeof resBody === "string" ? resBody : JSON.stringify(resBody),
        { "content-type": "application/json; charset=utf-8", ...headers },
      ];
    });
  }
  return {
    state,
    requests,
    problems() {
      const out: string[] = [];
      for (const r of requests) {
        if (!r.route) {
          out.push(`${r.method} ${r.path}: no such route in GitHub's OpenAPI description`);
          continue;
        }
        const m = matchRoute(r.method, r.path)!;
        const v = bodyValidator(m.route);
        if (v && r.body !== undefined && !v(r.body)) {
          out.push(
            `${r.route}: body ${JSON.stringify(r.body).slice(0, 200)} fails the spec: ${ajv.errorsText(v.errors)}`,
          );
        }
        if (!v && r.body !== undefined && r.method !== "GET")
          out.push(`${r.route}: sent a body but the operation takes none`);
      }
      return out;
    },
    calls() {
      return requests
        .filter((r) => r.route !== "POST /app/installations/{installation_id}/access_tokens")
        .map((r) => r.route ?? `${r.method} ${r.path}`);
    },
    commentsOn(issueNumber: number) {
      return state.comments.filter((c) => c.issueNumber === issueNumber);
    },
    reset() {
      requests.length = 0;
      state.comments.length = 0;
      state.reactions.length = 0;
      state.reviewComments = {};
    },
    done() {
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}

/** A fresh RSA key in PKCS#1 PEM, as GitHub issues them for apps. */
export function generateAppPrivateKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return createPrivateKey(privateKey.export({ type: "pkcs1", format: "pem" }))
    .export({ type: "pkcs1", format: "pem" })
    .toString();
}

/**
 * Probot's Octokit with retries and throttling off. A function, not an object: Probot merges its own
 * throttle options over plain defaults (shallowly), which would turn the throttle (1 s between
 * writes) back on.
 */
export function testOctokit(): typeof ProbotOctokit {
  return ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...(options.throttle as object), enabled: false },
  })) as typeof ProbotOctokit;
}

/** An installation client (installation 2) of a test app, as the worker gets one. */
export async function installationOctokit(privateKey: string): Promise<InstanceType<typeof ProbotOctokit>> {
  const probot = new Probot({ appId: 1, privateKey, logLevel: "fatal", Octokit: testOctokit() });
  return (await probot.auth(2)) as InstanceType<typeof ProbotOctokit>;
}
