// The routes a worker needs beyond test/helpers/github-api.ts (repos.get, pulls, labels, users),
// layered on mockGitHub: registered first so nock matches them first, recorded into the same
// request list, so gh.problems() checks them against GitHub's OpenAPI description too.
import nock from "nock";
import {
  matchRoute,
  mockGitHub,
  type GitHubMock,
  type GitHubState,
  type RecordedRequest,
} from "./github-api.js";

export interface FakeOpenPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: "open" | "closed";
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  external_id?: string;
  status?: string;
  conclusion?: string;
  output?: { title?: string; summary?: string };
}

export interface WorkerGitHub {
  gh: GitHubMock;
  pulls: FakeOpenPull[];
  checkRuns: FakeCheckRun[];
  /** `#<pull>:<login>` for each requested reviewer. */
  reviewRequests: string[];
  reviewReplies: { pull: number; commentId: number; body: string }[];
  labelsRemoved: string[];
  defaultBranch: string;
}

const MINE = new Set([
  "GET /repos/{owner}/{repo}",
  "GET /repos/{owner}/{repo}/pulls",
  "POST /repos/{owner}/{repo}/pulls",
  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
  "GET /users/{username}",
  "GET /app",
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
  "POST /repos/{owner}/{repo}/check-runs",
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments",
]);

function routeOf(method: string, uri: string): string | null {
  const url = new URL(uri, "https://api.github.com");
  const m = matchRoute(method, url.pathname);
  return m ? `${m.route.method} ${m.route.template}` : null;
}

export function mockWorkerGitHub(opts: {
  owner: string;
  repo: string;
  state?: Partial<GitHubState>;
  defaultBranch?: string;
}): WorkerGitHub {
  const out = {
    pulls: [] as FakeOpenPull[],
    checkRuns: [] as FakeCheckRun[],
    reviewRequests: [] as string[],
    reviewReplies: [] as WorkerGitHub["reviewReplies"],
    labelsRemoved: [] as string[],
    defaultBranch: opts.defaultBranch ?? "main",
  } as WorkerGitHub;
  let nextPull = 1;
  const full = `${opts.owner}/${opts.repo}`;
  const pullJson = (p: FakeOpenPull) => ({
    number: p.number,
    state: p.state,
    draft: p.draft,
    title: p.title,
    body: p.body,
    html_url: `https://github.com/${full}/pull/${p.number}`,
    head: {
      ref: p.head,
      label: `${opts.owner}:${p.head}`,
      sha: "1".repeat(40),
      repo: { id: 1, full_name: full },
    },
    base: {
      ref: p.base,
      label: `${opts.owner}:${p.base}`,
      sha: "2".repeat(40),
      repo: { id: 1, full_name: full },
    },
  });

  for (const method of ["get", "post", "patch", "delete"] as const) {
    const scope = nock("https://api.github.com").persist();
    scope[method]((uri: string) => MINE.has(routeOf(method, uri) ?? "")).reply(function (uri, body) {
      const url = new URL(uri, "https://api.github.com");
      const m = matchRoute(method, url.pathname)!;
      const parsed =
        typeof body === "string" && body !== "" ? (JSON.parse(body) as unknown) : body || undefined;
      const rec: RecordedRequest = {
        method: method.toUpperCase(),
        path: url.pathname,
        query: url.search,
        headers: this.req.headers as Record<string, string | undefined>,
        body: parsed,
        route: `${m.route.method} ${m.route.template}`,
        params: m.params,
      };
      out.gh.requests.push(rec);
      const failure = out.gh.state.failures.find((f) => f.route === rec.route && f.times > 0);
      let result: [number, unknown];
      if (failure && !failure.after) {
        failure.times -= 1;
        return [failure.status, { message: "Server Error" }];
      }
      const p = rec.params;
      switch (rec.route) {
        case "GET /repos/{owner}/{repo}":
          result = [
            200,
            { id: 1, name: opts.repo, full_name: full, default_branch: out.defaultBranch, private: false },
          ];
          break;
        case "GET /repos/{owner}/{repo}/pulls": {
          const head = url.searchParams.get("head");
          const state = url.searchParams.get("state") ?? "open";
          const list = out.pulls.filter(
            (x) => (state === "all" || x.state === state) && (!head || `${opts.owner}:${x.head}` === head),
          );
          result = [200, list.map(pullJson)];
          break;
        }
        case "POST /repos/{owner}/{repo}/pulls": {
          const b = rec.body as { head: string; base: string; title: string; body?: string; draft?: boolean };
          if (out.pulls.some((x) => x.state === "open" && x.head === b.head)) {
            result = [
              422,
              { message: `Validation Failed: A pull request already exists for ${opts.owner}:${b.head}.` },
            ];
            break;
          }
          const pr: FakeOpenPull = {
            number: nextPull++,
            head: b.head,
            base: b.base,
            title: b.title,
            body: b.body ?? "",
            draft: b.draft ?? false,
            state: "open",
          };
          out.pulls.push(pr);
          result = [201, pullJson(pr)];
          break;
        }
        case "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": {
          const pr = out.pulls.find((x) => x.number === Number(p.pull_number));
          if (!pr) {
            result = [404, { message: "Not Found" }];
            break;
          }
          const b = rec.body as { body?: string; title?: string };
          if (b.body !== undefined) pr.body = b.body;
          if (b.title !== undefined) pr.title = b.title;
          result = [200, pullJson(pr)];
          break;
        }
        case "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}":
          out.labelsRemoved.push(`#${p.issue_number}:${p.name}`);
          result = [200, []];
          break;
        case "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": {
          const name = url.searchParams.get("check_name");
          const list = out.checkRuns.filter((c) => c.head_sha === p.ref && (!name || c.name === name));
          result = [200, { total_count: list.length, check_runs: list }];
          break;
        }
        case "POST /repos/{owner}/{repo}/check-runs": {
          const c = { ...(rec.body as Omit<FakeCheckRun, "id">), id: out.checkRuns.length + 1 };
          out.checkRuns.push(c);
          result = [201, c];
          break;
        }
        case "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": {
          const c = out.checkRuns.find((x) => x.id === Number(p.check_run_id));
          if (c) Object.assign(c, rec.body);
          result = c ? [200, c] : [404, { message: "Not Found" }];
          break;
        }
        case "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": {
          const b = rec.body as { reviewers?: string[] };
          for (const r of b.reviewers ?? []) out.reviewRequests.push(`#${p.pull_number}:${r}`);
          result = [201, pullJson(out.pulls.find((x) => x.number === Number(p.pull_number))!)];
          break;
        }
        case "POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies": {
          const body = (rec.body as { body: string }).body;
          out.reviewReplies.push({ pull: Number(p.pull_number), commentId: Number(p.comment_id), body });
          result = [201, { id: 9000 + out.reviewReplies.length, body, in_reply_to_id: Number(p.comment_id) }];
          break;
        }
        case "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments":
          result = [
            200,
            out.reviewReplies
              .filter((r) => r.pull === Number(p.pull_number))
              .map((r, i) => ({ id: 9001 + i, body: r.body, in_reply_to_id: r.commentId, path: "x" })),
          ];
          break;
        case "GET /app":
          result = [200, { id: 1, slug: "maestro-test", name: "Maestro test", owner: null }];
          break;
        case "GET /users/{username}":
          result = [200, { login: p.username, id: 4242, name: null, type: "User" }];
          break;
        default:
          result = [404, { message: "Not Found" }];
      }
      if (failure && failure.after) {
        // The work was done, the answer is lost.
        failure.times -= 1;
        return [failure.status, { message: "Server Error" }];
      }
      return result;
    });
  }
  out.gh = mockGitHub({ owner: opts.owner, repo: opts.repo, ...(opts.state ? { state: opts.state } : {}) });
  return out;
}
