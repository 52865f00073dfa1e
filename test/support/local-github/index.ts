/**
 * A local GitHub: one HTTP server on 127.0.0.1 that Maestro reaches only through
 * `GHE_HOST=127.0.0.1:PORT` and `GHE_PROTOCOL=http`, as it would a GitHub Enterprise Server.
 *
 * - REST under `/api/v3` (the routes in rest.ts plus the app routes here), every request checked
 *   against GitHub's OpenAPI description (@octokit/openapi): unknown route → 404, body or query that
 *   fails the spec → 422 "Validation Failed", missing or bad credentials → 401 "Bad credentials",
 *   a route in the spec that this server does not implement → 501. Each of these is a *problem*:
 *   a test ends with `expect(gh.problems()).toEqual([])`. The server's own JSON answers are checked
 *   against the spec's response schemas too (a drift is a problem as well).
 * - App auth: RS256 JWTs checked against the app's key (`GET /app`, `POST
 *   /app/installations/{id}/access_tokens`, `GET /repos/{o}/{r}/installation`); installation tokens
 *   `ghs_…` expire after `tokenTtlMs` (default 1 h) and then get 401, as on GitHub.
 *   `GET /users/{username}` also answers without credentials (public data).
 * - Git smart HTTP at `/{owner}/{repo}.git` through `git http-backend`; only basic auth whose
 *   password is a valid, unexpired installation token for the repo's installation is let in
 *   (`x-access-token:TOKEN`, as src/git/auth.ts sends it). Pushes land in the bare repo, so pull
 *   requests' head shas, the contents API and check runs see them at once.
 * - Webhooks: `sendWebhook(event, payload)` signs (`X-Hub-Signature-256`) and delivers to the app;
 *   `postComment`, `addLabel` and `submitReview` store the thing *and* deliver the matching event
 *   (payloads built from @octokit/webhooks-examples with the stored objects' fields).
 * - Faults: `fault({ route: "POST /repos/{owner}/{repo}/pulls", status: 502, times: 2 })`, the
 *   secondary rate limit (`kind: "secondary-rate-limit"`: 403 + `retry-after`), slow answers
 *   (`delayMs`), and `afterHandler: true` for "GitHub stored it, then answered 502". Git routes are
 *   `"GIT upload-pack"` and `"GIT receive-pack"`.
 *
 * Usage:
 * ```ts
 * const gh = await startLocalGitHub({ appId: 1, privateKey: "generate", webhookSecret: "s" });
 * await gh.createRepo({ owner: "octo", name: "demo", files: { ".github/maestro.yml": "agent: command\n" } });
 * gh.addCollaborator("octo/demo", "alice", "write");
 * const issue = gh.createIssue("octo/demo", { title: "Fix it", body: "- [ ] a", user: "alice" });
 * spawn("maestro", ["serve"], { env: { ...process.env, ...gh.env() } });  // then:
 * gh.setWebhookUrl(`${serveUrl}/api/github/webhooks`);
 * await gh.postComment("octo/demo", issue.number, "/maestro run", { user: "alice" });
 * // … wait for gh.pulls("octo/demo") …
 * expect(gh.problems()).toEqual([]);
 * await gh.close();
 * ```
 * Readers (`issueComments`, `pulls`, `checkRuns`, `reactions`, `labels`, `requests`, `deliveries`,
 * `tokensIssued`) return copies of plain records; `branchCommits` and `git` read the bare repos.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { bodyProblem, matchRoute, pathExists, queryProblems, responseProblem, routeKey } from "../openapi.js";
import { AppAuth, type Credential, type IssuedToken } from "./app-auth.js";
import { commitFiles, commitsBetween, createBareRepo, git, revParse } from "./git.js";
import { gitService, parseGitPath, serveGit } from "./git-http.js";
import {
  appJson,
  repoJson,
  repoKey,
  userJson,
  type CheckRun,
  type Issue,
  type IssueComment,
  type Reaction,
  type Repo,
  type Review,
  type ReviewComment,
  type Role,
  type User,
} from "./model.js";
import {
  conversionJson,
  ManifestCodes,
  manifestPageOwner,
  manifestProblem,
  type ManifestRecord,
} from "./manifests.js";
import { handlers, notFound, type RestReply } from "./rest.js";
import { State } from "./state.js";
import {
  deliver,
  issueCommentCreated,
  issuesLabeled,
  issuesOpened,
  pullRequestReviewSubmitted,
  type Delivery,
} from "./webhooks.js";

export { sign as signWebhook } from "./webhooks.js";
export type { Delivery } from "./webhooks.js";

export interface LocalGitHubOptions {
  appId?: number;
  /** PEM (PKCS#1 or PKCS#8), or "generate" (the default) for a fresh 2048-bit key. */
  privateKey?: string;
  appSlug?: string;
  webhookSecret?: string;
  /** Where `sendWebhook` delivers; may be set later with setWebhookUrl. */
  webhookUrl?: string;
  /** Installation token lifetime; default one hour. */
  tokenTtlMs?: number;
  /** Default installation for new repos; default 7. */
  installationId?: number;
  /** Where the bare repos live; default a new temp dir, removed by close(). */
  rootDir?: string;
}

export interface Fault {
  /** `METHOD /openapi/template`, e.g. `POST /repos/{owner}/{repo}/pulls`, or `GIT receive-pack`. */
  route: string;
  /** Alternative to putting the method in `route`. */
  method?: string;
  /** 500, 502, …; default 502 (ignored for the rate-limit kinds). */
  status?: number;
  /** How many matching requests it hits; default 1. Infinity for "until cleared". */
  times?: number;
  /** Wait this long before answering (alone: a slow but otherwise normal answer). */
  delayMs?: number;
  kind?: "error" | "secondary-rate-limit" | "rate-limit";
  /** Seconds in `retry-after` for the secondary rate limit; default 1. */
  retryAfter?: number;
  /** Run the handler (state changes), then answer with the error: "stored it, then 502". */
  afterHandler?: boolean;
}

export interface FaultHandle {
  readonly fired: number;
  readonly remaining: number;
  clear(): void;
}

export interface RecordedRequest {
  at: number;
  method: string;
  /** Path without /api/v3 (REST) or the git path. */
  path: string;
  query: string;
  /** `METHOD /template`, `GIT upload-pack`/`GIT receive-pack`, or null when nothing matched. */
  route: string | null;
  status: number;
  /** app, installation:<id>, anonymous, invalid */
  auth: string;
  body?: unknown;
  /** Set when a fault answered. */
  fault?: string;
}

export interface PullRecord {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  user: string;
  labels: string[];
  requestedReviewers: string[];
}

export interface PushRecord {
  at: number;
  repo: string;
  status: number;
}

export interface LocalGitHub {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT (GHE_HOST) */
  host: string;
  /** http://127.0.0.1:PORT/api/v3: the REST base URL (Octokit's baseUrl). */
  apiUrl: string;
  appId: number;
  appSlug: string;
  privateKey: string;
  webhookSecret: string;
  installationId: number;
  /** The variables that point Maestro here (GHE_*, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, MAESTRO_APP_SLUG, MAESTRO_BOT_USER_ID). */
  env(): Record<string, string>;
  setWebhookUrl(url: string): void;
  /** Token lifetime for tokens issued from now on. */
  setTokenTtl(ms: number): void;
  /** Makes every token issued so far expired. */
  expireTokens(): void;
  /** A token for the installation, as the app would get one (for tests that call the API or git directly). */
  issueToken(installationId?: number): string;
  /** A manifest code, as GitHub's "new app" page gives one once the user confirmed (manifests.ts); `org`: an
   * organization's page. Its conversion hands out this server's one app. */
  manifestCode(manifest: Record<string, unknown>, opts?: { org?: string; ttlMs?: number }): string;
  /** Makes every manifest code minted so far expired (GitHub's last an hour). */
  expireManifestCodes(): void;

  createRepo(opts: {
    owner: string;
    name: string;
    files?: Record<string, string>;
    defaultBranch?: string;
    private?: boolean;
    installationId?: number;
  }): Promise<Repo>;
  /** Commits files (null deletes) onto a branch of the repo, as a user pushing would. */
  commit(
    repo: string,
    files: Record<string, string | null>,
    opts?: { branch?: string; message?: string },
  ): Promise<string>;
  addCollaborator(repo: string, login: string, permission: Role): void;
  addUser(login: string, opts?: { type?: User["type"]; name?: string }): User;
  createIssue(repo: string, opts: { title: string; body?: string; user: string; labels?: string[] }): Issue;
  /** Stores a comment by `user` on issue/PR `number`; with `send` (default true) delivers `issue_comment.created`. */
  postComment(
    repo: string,
    number: number,
    body: string,
    opts: { user: string; send?: boolean; deliveryId?: string },
  ): Promise<{ comment: IssueComment; delivery?: Delivery }>;
  /** Adds a label as `user` and delivers `issues.labeled` (unless send: false). */
  addLabel(
    repo: string,
    number: number,
    label: string,
    opts: { user: string; send?: boolean; deliveryId?: string },
  ): Promise<{ delivery?: Delivery }>;
  /** Stores a review (with optional line comments) on a PR and delivers `pull_request_review.submitted`. */
  submitReview(
    repo: string,
    pullNumber: number,
    opts: {
      user: string;
      state: Review["state"];
      body?: string;
      comments?: { path: string; line?: number; body: string }[];
      send?: boolean;
      deliveryId?: string;
    },
  ): Promise<{ review: Review; comments: ReviewComment[]; delivery?: Delivery }>;

  payloads: {
    issueCommentCreated(repo: string, commentId: number): Record<string, unknown>;
    issuesLabeled(repo: string, number: number, label: string, sender: string): Record<string, unknown>;
    issuesOpened(repo: string, number: number): Record<string, unknown>;
    pullRequestReviewSubmitted(repo: string, reviewId: number): Promise<Record<string, unknown>>;
  };
  /** Signs and POSTs a delivery to the webhook URL. `secret` overrides the app's (to send a bad signature). */
  sendWebhook(
    event: string,
    payload: unknown,
    opts?: { deliveryId?: string; secret?: string; body?: string },
  ): Promise<Delivery>;

  issueComments(repo?: string, number?: number): IssueComment[];
  issue(repo: string, number: number): Issue | undefined;
  pulls(repo?: string): PullRecord[];
  checkRuns(repo?: string): CheckRun[];
  reactions(repo?: string): Reaction[];
  reviewComments(repo?: string): ReviewComment[];
  /** Labels on an issue or PR. */
  labels(repo: string, number: number): string[];
  tokensIssued(): IssuedToken[];
  requests(): RecordedRequest[];
  /** REST calls as `METHOD /template` (token requests left out unless asked). */
  calls(opts?: { includeTokens?: boolean }): string[];
  deliveries(): Delivery[];
  pushes(): PushRecord[];
  problems(): string[];
  fault(f: Fault): FaultHandle;
  clearFaults(): void;

  remoteDir(owner: string, repo: string): string;
  /** sha of refs/heads/<branch>, or null. */
  branchSha(repo: string, branch: string): Promise<string | null>;
  branches(repo: string): Promise<string[]>;
  /** Commits on `branch` that are not on `base` (default: the default branch), oldest first. */
  branchCommits(
    repo: string,
    branch: string,
    base?: string,
  ): Promise<{ sha: string; subject: string; message: string; author: string }[]>;
  /** Runs git in the bare repo. */
  git(repo: string, ...args: string[]): Promise<string>;
  close(): Promise<void>;
}

const APP_ROUTES = new Set([
  "GET /app",
  "POST /app/installations/{installation_id}/access_tokens",
  "GET /app/installations/{installation_id}",
  "GET /app/installations",
  "GET /repos/{owner}/{repo}/installation",
]);
const ANONYMOUS_OK = new Set([
  "GET /users/{username}",
  "GET /meta",
  "GET /zen",
  "POST /app-manifests/{code}/conversions",
]);
const SECONDARY_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID LOCAL.";

function generateKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return createPrivateKey(privateKey.export({ type: "pkcs1", format: "pem" }))
    .export({ type: "pkcs1", format: "pem" })
    .toString();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A fault's delay: unref'd, so a long one (a POST that "hangs") never holds the test process open. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** How a fault shows in requests(): "error 502", "secondary-rate-limit", "delay 300ms", … */
function faultLabel(f: Fault): string {
  const delay = f.delayMs ? ` delay ${f.delayMs}ms` : "";
  if (f.kind && f.kind !== "error") return `${f.kind}${delay}`;
  if (f.status === undefined && f.delayMs !== undefined) return delay.trim();
  return `error ${f.status ?? 502}${delay}`;
}

interface ActiveFault extends Fault {
  key: string;
  left: number;
  fired: number;
}

export async function startLocalGitHub(opts: LocalGitHubOptions = {}): Promise<LocalGitHub> {
  const appId = opts.appId ?? 1;
  const appSlug = opts.appSlug ?? "maestro-test";
  const privateKey = !opts.privateKey || opts.privateKey === "generate" ? generateKey() : opts.privateKey;
  const webhookSecret = opts.webhookSecret ?? randomBytes(12).toString("hex");
  const defaultInstallation = opts.installationId ?? 7;
  const ownsRoot = !opts.rootDir;
  const rootDir =
    opts.rootDir ?? (await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "local-github-"))));
  let webhookUrl = opts.webhookUrl;

  const auth = new AppAuth(appId, privateKey, opts.tokenTtlMs ?? 3600_000);
  const state = new State(
    { api: "", html: "" },
    { id: appId, slug: appSlug, name: "Maestro (local)", botUserId: 0 },
  );
  const bot = state.user(`${appSlug}[bot]`, "Bot");
  state.app.botUserId = bot.id;

  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const faults: ActiveFault[] = [];
  const deliveries: Delivery[] = [];
  const pushes: PushRecord[] = [];
  const installations = new Set<number>([defaultInstallation]);
  const manifests = new ManifestCodes();
  /** Who is signed in on the web pages (the personal account a manifest registers an app for). */
  const manifestOwner = (org: string): ManifestRecord["owner"] =>
    org ? { login: org, type: "Organization" } : { login: "monalisa", type: "User" };

  const problem = (text: string) => problems.push(text);

  function repoByName(full: string): Repo {
    const [owner, name] = full.split("/") as [string, string];
    const r = state.repo(owner, name);
    if (!r) throw new Error(`local GitHub: no repo ${full} (create it with createRepo first)`);
    return r;
  }

  function takeFault(key: string, phase: "before" | "after"): ActiveFault | undefined {
    const f = faults.find(
      (x) => x.key === key && x.left > 0 && Boolean(x.afterHandler) === (phase === "after"),
    );
    if (!f) return undefined;
    f.left -= 1;
    f.fired += 1;
    return f;
  }

  function faultReply(f: ActiveFault): RestReply | null {
    if (f.kind === "secondary-rate-limit")
      return {
        status: 403,
        headers: { "retry-after": String(f.retryAfter ?? 1), "x-ratelimit-remaining": "4999" },
        body: {
          message: SECONDARY_MESSAGE,
          documentation_url:
            "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          status: "403",
        },
      };
    if (f.kind === "rate-limit")
      return {
        status: 403,
        headers: {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": "5000",
          "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + (f.retryAfter ?? 1)),
        },
        body: {
          message: "API rate limit exceeded for installation ID LOCAL.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
          status: "403",
        },
      };
    if (f.status === undefined && f.delayMs !== undefined) return null; // slow only
    const status = f.status ?? 502;
    return {
      status,
      body:
        status === 502
          ? { message: "Server Error" }
          : { message: "Internal Server Error", status: String(status) },
    };
  }

  function send(res: ServerResponse, reply: RestReply): void {
    const headers: Record<string, string> = {
      "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
      "x-github-media-type": "github.v3; format=json",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
      ...reply.headers,
    };
    if (reply.raw !== undefined) {
      res.writeHead(reply.status, { "content-type": "application/octet-stream", ...headers }).end(reply.raw);
      return;
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    res
      .writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...headers })
      .end(JSON.stringify(reply.body));
  }

  function credentialLabel(c: Credential): string {
    return c.kind === "installation" ? `installation:${c.token.installationId}` : c.kind;
  }

  async function rest(req: IncomingMessage, res: ServerResponse, url: URL, apiPath: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req);
    const rec: RecordedRequest = {
      at: Date.now(),
      method,
      path: apiPath,
      query: url.search,
      route: null,
      status: 0,
      auth: "anonymous",
    };
    requests.push(rec);
    const answer = (reply: RestReply) => {
      rec.status = reply.status;
      send(res, reply);
    };
    const where = `${method} ${apiPath}${url.search}`;

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
        rec.body = body;
      } catch {
        problem(`${where}: body is not JSON`);
        return answer({
          status: 400,
          body: {
            message: "Problems parsing JSON",
            documentation_url: "https://docs.github.com/rest",
            status: "400",
          },
        });
      }
    }

    const m = matchRoute(method, apiPath);
    if (!m) {
      const why = pathExists(apiPath) ? `no ${method} operation on this path` : "no such route";
      problem(`${where}: ${why} in GitHub's OpenAPI description`);
      return answer(notFound());
    }
    const key = routeKey(m.route);
    rec.route = key;

    const cred = auth.credential(req.headers.authorization);
    rec.auth = credentialLabel(cred);
    if (cred.kind === "invalid") {
      problem(`${where}: 401 ${cred.message}`);
      return answer({
        status: 401,
        body: { message: cred.message, documentation_url: "https://docs.github.com/rest", status: "401" },
      });
    }
    if (cred.kind === "anonymous" && !ANONYMOUS_OK.has(key)) {
      problem(`${where}: 401 no credentials (GitHub answers "Requires authentication")`);
      return answer({
        status: 401,
        body: {
          message: "Requires authentication",
          documentation_url: "https://docs.github.com/rest",
          status: "401",
        },
      });
    }
    if (APP_ROUTES.has(key) && cred.kind !== "app") {
      problem(`${where}: this route takes the app's JWT, not ${cred.kind} credentials`);
      return answer({
        status: 401,
        body: {
          message: "A JSON web token could not be decoded",
          documentation_url: "https://docs.github.com/rest",
          status: "401",
        },
      });
    }
    if (!APP_ROUTES.has(key) && cred.kind === "app") {
      problem(`${where}: called with the app's JWT; this route needs an installation token`);
      return answer({
        status: 403,
        body: {
          message: "Resource not accessible by integration",
          documentation_url: "https://docs.github.com/rest",
          status: "403",
        },
      });
    }

    const invalid = [bodyProblem(m.route, body), ...queryProblems(m.route, url.searchParams)].filter(
      (x): x is string => x !== null,
    );
    if (invalid.length > 0) {
      problem(`${key}: ${invalid.join("; ")}`);
      return answer({
        status: 422,
        body: {
          message: "Validation Failed",
          errors: invalid.map((e) => ({
            resource: m.route.op.operationId ?? key,
            code: "invalid",
            message: e,
          })),
          documentation_url: "https://docs.github.com/rest",
          status: "422",
        },
      });
    }

    // Repos outside the token's installation are invisible, as on GitHub.
    let repo: Repo | undefined;
    if (m.params.owner !== undefined && m.params.repo !== undefined) {
      repo = state.repo(m.params.owner, m.params.repo);
      const installationId = cred.kind === "installation" ? cred.token.installationId : undefined;
      if (!repo || (installationId !== undefined && repo.installationId !== installationId))
        return answer(notFound());
    }

    const before = takeFault(key, "before");
    if (before) {
      rec.fault = faultLabel(before);
      if (before.delayMs) await sleep(before.delayMs);
      const fr = faultReply(before);
      if (fr) return answer(fr);
    }

    let reply: RestReply;
    try {
      reply = await appRoute(key, m.params, cred, body);
      if (reply.status === 0) {
        const h = handlers[key];
        if (!h) {
          problem(
            `${key}: valid on GitHub but not implemented by the local GitHub (add it to test/support/local-github/rest.ts)`,
          );
          return answer({ status: 501, body: { message: `Not implemented by the local GitHub: ${key}` } });
        }
        reply = await h(state, {
          route: key,
          params: m.params,
          query: url.searchParams,
          body,
          headers: req.headers,
          ...(repo ? { repo } : {}),
          ...(cred.kind === "installation" ? { installationId: cred.token.installationId } : {}),
          actor: bot.login,
          url: new URL(`${state.urls.api}${apiPath}${url.search}`),
        });
      }
    } catch (err) {
      problem(`${key}: the local GitHub failed: ${(err as Error).stack ?? String(err)}`);
      return answer({ status: 500, body: { message: "Internal error in the local GitHub" } });
    }

    // The stand-in's own answers must fit GitHub's description too, or tests would pass against a fiction.
    if (reply.body !== undefined && reply.raw === undefined) {
      const wrong = responseProblem(m.route, reply.status, reply.body);
      if (wrong) problem(`${key}: the local GitHub's ${reply.status} answer fails the spec: ${wrong}`);
    }

    const after = takeFault(key, "after");
    if (after) {
      rec.fault = `${faultLabel(after)} after handler`;
      if (after.delayMs) await sleep(after.delayMs);
      const fr = faultReply(after);
      if (fr) return answer(fr);
    }
    answer(reply);
  }

  /** The app-level routes (they need AppAuth); status 0 = not one of them. */
  async function appRoute(
    key: string,
    params: Record<string, string>,
    _cred: Credential,
    body: unknown,
  ): Promise<RestReply> {
    const installationJson = (id: number) => ({
      id,
      account: userJson(
        state.user(
          [...state.repos.values()].find((r) => r.installationId === id)?.owner ?? "local",
          "Organization",
        ),
        state.urls,
      ),
      app_id: appId,
      app_slug: appSlug,
      target_id: 1,
      target_type: "Organization",
      repository_selection: "all",
      access_tokens_url: `${state.urls.api}/app/installations/${id}/access_tokens`,
      repositories_url: `${state.urls.api}/installation/repositories`,
      html_url: `${state.urls.html}/settings/installations/${id}`,
      permissions: {
        issues: "write",
        contents: "write",
        pull_requests: "write",
        checks: "write",
        metadata: "read",
      },
      events: ["issue_comment", "issues", "pull_request_review"],
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      single_file_name: null,
      suspended_at: null,
      suspended_by: null,
    });
    switch (key) {
      case "POST /app/installations/{installation_id}/access_tokens": {
        const id = Number(params.installation_id);
        if (!installations.has(id)) return notFound();
        const t = auth.issue(id);
        const b = (body ?? {}) as { permissions?: Record<string, string> };
        return {
          status: 201,
          body: {
            token: t.token,
            expires_at: new Date(t.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
            permissions: b.permissions ?? {
              issues: "write",
              contents: "write",
              pull_requests: "write",
              checks: "write",
              metadata: "read",
            },
            repository_selection: "all",
          },
        };
      }
      case "GET /app/installations/{installation_id}": {
        const id = Number(params.installation_id);
        return installations.has(id) ? { status: 200, body: installationJson(id) } : notFound();
      }
      case "GET /app/installations":
        return { status: 200, body: [...installations].map(installationJson) };
      case "GET /repos/{owner}/{repo}/installation": {
        const r = state.repo(params.owner!, params.repo!);
        return r ? { status: 200, body: installationJson(r.installationId) } : notFound();
      }
      case "POST /app-manifests/{code}/conversions": {
        // Unknown, used and expired codes all get GitHub's 404.
        const rec = manifests.take(params.code!);
        if (!rec)
          return notFound("https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest");
        const hook = (rec.manifest.hook_attributes as { url?: unknown } | undefined)?.url;
        if (typeof hook === "string") webhookUrl = hook;
        if (typeof rec.manifest.name === "string") state.app.name = rec.manifest.name;
        const owner = state.user(rec.owner.login, rec.owner.type);
        const json = appJson(state.app, owner, state.urls);
        return { status: 201, body: conversionJson(rec, { json, pem: privateKey, webhookSecret }) };
      }
      default:
        return { status: 0 };
    }
  }

  /** GitHub's "new app" web page, as if the user confirmed at once: back to redirect_url with a code. */
  async function newAppFromManifest(req: IncomingMessage, res: ServerResponse, url: URL, org: string) {
    const rec: RecordedRequest = {
      at: Date.now(),
      method: "POST",
      path: url.pathname,
      query: url.search,
      route: null,
      status: 0,
      auth: "anonymous",
    };
    requests.push(rec);
    const text = new URLSearchParams((await readBody(req)).toString("utf8")).get("manifest");
    const wrong =
      manifestProblem(text) ??
      (typeof (JSON.parse(text!) as { redirect_url?: unknown }).redirect_url === "string"
        ? null
        : "no redirect_url: the local GitHub has no page to show, it can only send the browser back");
    if (wrong) {
      problem(`POST ${url.pathname}: GitHub would refuse this manifest: ${wrong}`);
      rec.status = 422;
      res.writeHead(422, { "content-type": "text/plain" }).end(`Invalid manifest: ${wrong}\n`);
      return;
    }
    const manifest = JSON.parse(text!) as Record<string, unknown>;
    rec.body = manifest;
    const code = manifests.mint(manifest, manifestOwner(org));
    const back = new URL(manifest.redirect_url as string);
    back.searchParams.set("code", code);
    const st = url.searchParams.get("state");
    if (st !== null) back.searchParams.set("state", st);
    rec.status = 302;
    res.writeHead(302, { location: back.toString() }).end();
  }

  async function gitRequest(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    g: { owner: string; repo: string; rest: string },
  ) {
    const method = (req.method ?? "GET").toUpperCase();
    const service = gitService(g.rest, url.searchParams);
    const rec: RecordedRequest = {
      at: Date.now(),
      method,
      path: url.pathname,
      query: url.search,
      route: service ? `GIT ${service}` : null,
      status: 0,
      auth: "anonymous",
    };
    requests.push(rec);
    const body = await readBody(req);
    const r = state.repo(g.owner, g.repo);
    if (!r || !service) {
      rec.status = 404;
      res.writeHead(404, { "content-type": "text/plain" }).end("Repository not found.\n");
      return;
    }
    const header = req.headers.authorization;
    const cred = auth.credential(header);
    rec.auth = credentialLabel(cred);
    const allowed =
      cred.kind === "installation" &&
      cred.token.installationId === r.installationId &&
      /^basic /i.test(header ?? "");
    if (!allowed) {
      rec.status = 401;
      if (header)
        problem(
          `git ${service} ${g.owner}/${g.repo}: 401 (${cred.kind === "invalid" ? "bad or expired token" : `${cred.kind} credentials`})`,
        );
      else problem(`git ${service} ${g.owner}/${g.repo}: 401 (no credentials)`);
      res
        .writeHead(401, { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" })
        .end("Invalid username or token. Password authentication is not supported for Git operations.\n");
      return;
    }
    // Faults hit the pack exchange (the POST), not the ref advertisement.
    if (method === "POST") {
      const f = takeFault(`GIT ${service}`, "before");
      if (f) {
        rec.fault = faultLabel(f);
        if (f.delayMs) await sleep(f.delayMs);
        if (f.status !== undefined || f.delayMs === undefined) {
          rec.status = f.status ?? 502;
          res.writeHead(rec.status, { "content-type": "text/plain" }).end("Server Error\n");
          return;
        }
      }
    }
    const { status } = await serveGit(req, res, {
      projectRoot: rootDir,
      pathInfo: `/${r.owner}/${r.name}.git${g.rest}`,
      query: url.search.replace(/^\?/, ""),
      body,
      remoteUser: "x-access-token",
    });
    rec.status = status;
    if (service === "receive-pack" && method === "POST")
      pushes.push({ at: Date.now(), repo: `${r.owner}/${r.name}`, status });
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        if (url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/")) {
          await rest(req, res, url, url.pathname.slice("/api/v3".length) || "/");
          return;
        }
        const g = parseGitPath(url.pathname);
        if (g) {
          await gitRequest(req, res, url, g);
          return;
        }
        const manifestPage = req.method === "POST" ? manifestPageOwner(url.pathname) : null;
        if (manifestPage !== null) {
          await newAppFromManifest(req, res, url, manifestPage);
          return;
        }
        problem(`${req.method} ${url.pathname}: neither /api/v3/… nor /{owner}/{repo}.git`);
        res.writeHead(404, { "content-type": "text/plain" }).end("Not Found\n");
      } catch (err) {
        problem(`${req.method} ${req.url}: the local GitHub failed: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  const baseUrl = `http://${host}`;
  state.urls.api = `${baseUrl}/api/v3`;
  state.urls.html = baseUrl;

  const findIssue = (full: string, n: number): Issue => {
    const r = repoByName(full);
    const i = state.issue(r, n);
    if (!i) throw new Error(`local GitHub: no issue or pull request #${n} in ${full}`);
    return i;
  };
  const inRepo = (full?: string) => (x: { repo: string }) => !full || x.repo === full.toLowerCase();

  const gh: LocalGitHub = {
    url: baseUrl,
    host,
    apiUrl: state.urls.api,
    appId,
    appSlug,
    privateKey,
    webhookSecret,
    installationId: defaultInstallation,
    env: () => ({
      GHE_HOST: host,
      GHE_PROTOCOL: "http",
      APP_ID: String(appId),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: webhookSecret,
      MAESTRO_APP_SLUG: appSlug,
      MAESTRO_BOT_USER_ID: String(bot.id),
    }),
    setWebhookUrl(u) {
      webhookUrl = u;
    },
    setTokenTtl(ms) {
      auth.tokenTtlMs = ms;
    },
    expireTokens: () => auth.expireAll(),
    manifestCode: (manifest, o = {}) => {
      const wrong = manifestProblem(JSON.stringify(manifest));
      if (wrong) throw new Error(`local GitHub: GitHub would refuse this manifest: ${wrong}`);
      return manifests.mint(manifest, manifestOwner(o.org ?? ""), o.ttlMs);
    },
    expireManifestCodes: () => manifests.expireAll(),
    issueToken: (id = defaultInstallation) => auth.issue(id).token,

    async createRepo(o) {
      const dir = path.join(rootDir, o.owner, `${o.name}.git`);
      const branch = o.defaultBranch ?? "main";
      await createBareRepo(dir, branch, o.files ?? { "README.md": `# ${o.name}\n` });
      state.user(o.owner);
      const installationId = o.installationId ?? defaultInstallation;
      installations.add(installationId);
      const r: Repo = {
        id: state.nextId(),
        owner: o.owner,
        name: o.name,
        defaultBranch: branch,
        private: o.private ?? false,
        dir,
        installationId,
        collaborators: new Map(),
        labels: new Map(),
        createdAt: state.now(),
      };
      state.repos.set(repoKey(o.owner, o.name), r);
      return r;
    },
    async commit(full, files, o = {}) {
      const r = repoByName(full);
      return commitFiles(r.dir, o.branch ?? r.defaultBranch, files, o.message ?? "Update files");
    },
    addCollaborator(full, login, permission) {
      const r = repoByName(full);
      state.user(login);
      r.collaborators.set(login.toLowerCase(), permission);
    },
    addUser(login, o = {}) {
      const u = state.user(login, o.type ?? "User");
      if (o.type) u.type = o.type;
      if (o.name !== undefined) u.name = o.name;
      return u;
    },
    createIssue(full, o) {
      return state.createIssue(repoByName(full), {
        title: o.title,
        body: o.body ?? null,
        user: o.user,
        ...(o.labels ? { labels: o.labels } : {}),
      });
    },
    async postComment(full, n, text, o) {
      const r = repoByName(full);
      const i = findIssue(full, n);
      const comment = state.createComment(r, i, text, o.user);
      if (o.send === false) return { comment };
      const delivery = await gh.sendWebhook("issue_comment", issueCommentCreated(state, r, i, comment), {
        ...(o.deliveryId ? { deliveryId: o.deliveryId } : {}),
      });
      return { comment, delivery };
    },
    async addLabel(full, n, label, o) {
      const r = repoByName(full);
      const i = findIssue(full, n);
      const name = state.label(r, label).name;
      if (!i.labels.some((x) => x.toLowerCase() === name.toLowerCase())) i.labels.push(name);
      state.user(o.user);
      if (o.send === false) return {};
      const delivery = await gh.sendWebhook("issues", issuesLabeled(state, r, i, name, o.user), {
        ...(o.deliveryId ? { deliveryId: o.deliveryId } : {}),
      });
      return { delivery };
    },
    async submitReview(full, n, o) {
      const r = repoByName(full);
      const i = findIssue(full, n);
      if (!i.pull) throw new Error(`local GitHub: #${n} in ${full} is not a pull request`);
      const commitId = (await revParse(r.dir, `refs/heads/${i.pull.head}`)) ?? "0".repeat(40);
      state.user(o.user);
      const review: Review = {
        id: state.nextId(),
        repo: repoKey(r.owner, r.name),
        pullNumber: n,
        user: o.user,
        body: o.body ?? "",
        state: o.state,
        commitId,
        submittedAt: state.now(),
      };
      state.reviews.push(review);
      const comments = (o.comments ?? []).map((c) => {
        const rc: ReviewComment = {
          id: state.nextId(),
          repo: review.repo,
          pullNumber: n,
          reviewId: review.id,
          inReplyTo: null,
          user: o.user,
          body: c.body,
          path: c.path,
          line: c.line ?? null,
          commitId,
          createdAt: review.submittedAt,
        };
        state.reviewComments.push(rc);
        return rc;
      });
      if (o.send === false) return { review, comments };
      const delivery = await gh.sendWebhook(
        "pull_request_review",
        await pullRequestReviewSubmitted(state, r, i, review),
        {
          ...(o.deliveryId ? { deliveryId: o.deliveryId } : {}),
        },
      );
      return { review, comments, delivery };
    },

    payloads: {
      issueCommentCreated(full, commentId) {
        const r = repoByName(full);
        const c = state.comments.find((x) => x.id === commentId && x.repo === repoKey(r.owner, r.name));
        if (!c) throw new Error(`local GitHub: no comment ${commentId} in ${full}`);
        return issueCommentCreated(state, r, findIssue(full, c.issueNumber), c);
      },
      issuesLabeled(full, n, label, sender) {
        return issuesLabeled(state, repoByName(full), findIssue(full, n), label, sender);
      },
      issuesOpened(full, n) {
        return issuesOpened(state, repoByName(full), findIssue(full, n));
      },
      async pullRequestReviewSubmitted(full, reviewId) {
        const r = repoByName(full);
        const v = state.reviews.find((x) => x.id === reviewId);
        if (!v) throw new Error(`local GitHub: no review ${reviewId} in ${full}`);
        return pullRequestReviewSubmitted(state, r, findIssue(full, v.pullNumber), v);
      },
    },
    async sendWebhook(event, payload, o = {}) {
      if (!webhookUrl)
        throw new Error("local GitHub: no webhook URL (pass webhookUrl or call setWebhookUrl)");
      const d = await deliver(webhookUrl, event, payload, {
        secret: o.secret ?? webhookSecret,
        ...(o.deliveryId ? { deliveryId: o.deliveryId } : {}),
        ...(o.body !== undefined ? { body: o.body } : {}),
      });
      deliveries.push(d);
      return d;
    },

    issueComments: (full, n) =>
      state.comments
        .filter(inRepo(full))
        .filter((c) => n === undefined || c.issueNumber === n)
        .map((c) => ({ ...c })),
    issue: (full, n) => state.issue(repoByName(full), n),
    pulls: (full) =>
      state.issues
        .filter(inRepo(full))
        .filter((i) => i.pull)
        .map((i) => ({
          number: i.number,
          title: i.title,
          body: i.body,
          head: i.pull!.head,
          base: i.pull!.base,
          draft: i.pull!.draft,
          state: i.state,
          user: i.user,
          labels: [...i.labels],
          requestedReviewers: [...i.pull!.requestedReviewers],
        })),
    checkRuns: (full) => state.checkRuns.filter(inRepo(full)).map((c) => structuredClone(c)),
    reactions: (full) => state.reactions.filter(inRepo(full)).map((x) => ({ ...x })),
    reviewComments: (full) => state.reviewComments.filter(inRepo(full)).map((x) => ({ ...x })),
    labels: (full, n) => [...findIssue(full, n).labels],
    tokensIssued: () => auth.issued.map((t) => ({ ...t })),
    requests: () => requests.map((r) => ({ ...r })),
    calls: (o = {}) =>
      requests
        .filter((r) => r.route && !r.route.startsWith("GIT "))
        .filter(
          (r) => o.includeTokens || r.route !== "POST /app/installations/{installation_id}/access_tokens",
        )
        .map((r) => r.route!),
    deliveries: () => deliveries.map((d) => ({ ...d })),
    pushes: () => pushes.map((p) => ({ ...p })),
    problems: () => [...problems],
    fault(f) {
      const method = f.method?.toUpperCase();
      const key = method && !f.route.startsWith(`${method} `) ? `${method} ${f.route}` : f.route;
      if (!/^(GET|POST|PATCH|PUT|DELETE|HEAD) \/|^GIT (upload|receive)-pack$/.test(key))
        throw new Error(
          `local GitHub: fault route ${JSON.stringify(key)} should look like "POST /repos/{owner}/{repo}/pulls" or "GIT receive-pack"`,
        );
      if (
        !key.startsWith("GIT ") &&
        !matchRoute(key.split(" ")[0]!, key.split(" ")[1]!.replace(/\{[^}]+\}/g, "x"))
      )
        throw new Error(`local GitHub: fault route ${key} is not in GitHub's OpenAPI description`);
      const a: ActiveFault = { ...f, key, left: f.times ?? 1, fired: 0 };
      faults.push(a);
      return {
        get fired() {
          return a.fired;
        },
        get remaining() {
          return a.left;
        },
        clear() {
          a.left = 0;
        },
      };
    },
    clearFaults() {
      for (const f of faults) f.left = 0;
    },

    remoteDir: (owner, name) => repoByName(`${owner}/${name}`).dir,
    branchSha: (full, branch) => revParse(repoByName(full).dir, `refs/heads/${branch}`),
    async branches(full) {
      const out = await git(repoByName(full).dir, "for-each-ref", "--format=%(refname:short)", "refs/heads");
      return out === "" ? [] : out.split("\n");
    },
    branchCommits(full, branch, base) {
      const r = repoByName(full);
      return commitsBetween(r.dir, `refs/heads/${base ?? r.defaultBranch}`, `refs/heads/${branch}`);
    },
    git: (full, ...args) => git(repoByName(full).dir, ...args),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsRoot) await fs.rm(rootDir, { recursive: true, force: true });
    },
  };
  return gh;
}

export { repoJson };
export type { CheckRun, Issue, IssueComment, Reaction, Repo, Review, ReviewComment, Role, User };
