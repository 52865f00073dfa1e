// The local GitHub must behave like GitHub where Maestro can tell: Octokit round-trips, GitHub's
// errors for bad requests (recorded as problems), expiring tokens, git over HTTP with token auth,
// signed webhooks, and faults that fire exactly as often as asked.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Webhooks } from "@octokit/webhooks";
import { Probot } from "probot";
import { authEnv } from "../../../src/git/auth.js";
import type { Octokit } from "../../../src/github/octokit.js";
import { createAppAuth } from "../../../src/workers/installation.js";
import { testOctokit } from "../../helpers/github-api.js";
import { startLocalGitHub, type LocalGitHub } from "../../support/local-github/index.js";
import { GIT_ENV } from "../../support/local-github/git.js";

const REPO = "octo/demo";
let gh: LocalGitHub;
let tmp: string;

function gitCli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env: { ...GIT_ENV, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function installationOctokit(): Promise<Octokit> {
  const probot = new Probot({
    appId: gh.appId,
    privateKey: gh.privateKey,
    baseUrl: gh.apiUrl,
    Octokit: testOctokit(),
    logLevel: "warn",
  });
  return (await probot.auth(gh.installationId)) as Octokit;
}

beforeAll(async () => {
  gh = await startLocalGitHub({ appId: 4242, webhookSecret: "wh-secret" });
  await gh.createRepo({
    owner: "octo",
    name: "demo",
    files: {
      "README.md": "# demo\n",
      ".github/maestro.yml": "agent: command\n",
      ".github/maestro/playbooks/tidy.md": "# Tidy\n\n- [ ] tidy up\n",
    },
  });
  gh.addCollaborator(REPO, "alice", "write");
  gh.addCollaborator(REPO, "rita", "triage");
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "local-github-test-")));
});

afterAll(async () => {
  await gh?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe("local GitHub: REST through Octokit", () => {
  it("mints installation tokens the way Maestro does and serves the app, repo and users", async () => {
    const auth = createAppAuth({
      appId: gh.appId,
      privateKey: gh.privateKey,
      baseUrl: gh.apiUrl,
      Octokit: testOctokit(),
    });
    const inst = await auth.installation(gh.installationId);
    const token = await inst.token();
    expect(token).toMatch(/^ghs_/);
    expect(gh.tokensIssued().map((t) => t.token)).toContain(token);
    const app = (await auth.probot.auth()) as Octokit;
    expect((await app.rest.apps.getAuthenticated()).data?.slug).toBe("maestro-test");
    const { data: repo } = await inst.octokit.rest.repos.get({ owner: "octo", repo: "demo" });
    expect(repo.default_branch).toBe("main");
    const { data: perm } = await inst.octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: "octo",
      repo: "demo",
      username: "rita",
    });
    expect([perm.permission, perm.role_name]).toEqual(["read", "triage"]);
    await expect(
      inst.octokit.rest.repos.getCollaboratorPermissionLevel({
        owner: "octo",
        repo: "demo",
        username: "nobody-here",
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await inst.octokit.rest.users.getByUsername({ username: "alice" })).data.login).toBe("alice");
    expect(gh.problems()).toEqual([]);
  });

  it("serves repo contents from the default branch (raw, JSON, directory listing, 404)", async () => {
    const o = await installationOctokit();
    const raw = await o.rest.repos.getContent({
      owner: "octo",
      repo: "demo",
      path: ".github/maestro.yml",
      mediaType: { format: "raw" },
    });
    expect(raw.data).toBe("agent: command\n");
    const dir = await o.rest.repos.getContent({
      owner: "octo",
      repo: "demo",
      path: ".github/maestro/playbooks",
    });
    expect(Array.isArray(dir.data) && dir.data.map((e) => [e.type, e.name])).toEqual([["file", "tidy.md"]]);
    await expect(
      o.rest.repos.getContent({ owner: "octo", repo: "demo", path: "nope.md" }),
    ).rejects.toMatchObject({ status: 404 });
    await gh.commit(REPO, { "NEW.md": "new\n" });
    const file = await o.rest.repos.getContent({ owner: "octo", repo: "demo", path: "NEW.md" });
    expect(Buffer.from((file.data as { content: string }).content, "base64").toString()).toBe("new\n");
    expect(gh.problems()).toEqual([]);
  });

  it("round-trips issues, comments (paginated), reactions and labels", async () => {
    const o = await installationOctokit();
    const issue = gh.createIssue(REPO, { title: "Make it shine", body: "- [ ] polish", user: "alice" });
    const { data: got } = await o.rest.issues.get({
      owner: "octo",
      repo: "demo",
      issue_number: issue.number,
    });
    expect([got.title, got.user?.login]).toEqual(["Make it shine", "alice"]);
    for (let i = 0; i < 3; i++)
      await o.rest.issues.createComment({
        owner: "octo",
        repo: "demo",
        issue_number: issue.number,
        body: `c${i}`,
      });
    const all = await o.paginate(o.rest.issues.listComments, {
      owner: "octo",
      repo: "demo",
      issue_number: issue.number,
      per_page: 2,
    });
    expect(all.map((c) => c.body)).toEqual(["c0", "c1", "c2"]);
    expect(all[0]!.user?.login).toBe("maestro-test[bot]");
    await o.rest.issues.updateComment({
      owner: "octo",
      repo: "demo",
      comment_id: all[0]!.id,
      body: "edited",
    });
    await o.rest.reactions.createForIssueComment({
      owner: "octo",
      repo: "demo",
      comment_id: all[1]!.id,
      content: "eyes",
    });
    await o.rest.reactions.createForIssue({
      owner: "octo",
      repo: "demo",
      issue_number: issue.number,
      content: "rocket",
    });
    await o.rest.issues.addLabels({
      owner: "octo",
      repo: "demo",
      issue_number: issue.number,
      labels: ["maestro:tidy"],
    });
    await o.rest.issues.removeLabel({
      owner: "octo",
      repo: "demo",
      issue_number: issue.number,
      name: "maestro:tidy",
    });
    await expect(
      o.rest.issues.removeLabel({
        owner: "octo",
        repo: "demo",
        issue_number: issue.number,
        name: "maestro:tidy",
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(gh.issueComments(REPO, issue.number).map((c) => c.body)).toEqual(["edited", "c1", "c2"]);
    expect(gh.reactions(REPO).map((x) => [x.subject, x.content])).toEqual([
      [`comment:${all[1]!.id}`, "eyes"],
      [`issue:${issue.number}`, "rocket"],
    ]);
    expect(gh.labels(REPO, issue.number)).toEqual([]);
    expect(gh.problems()).toEqual([]);
  });

  it("keeps pull requests, requested reviewers, check runs and review-comment replies", async () => {
    const o = await installationOctokit();
    const sha = await gh.commit(REPO, { "feature.txt": "x\n" }, { branch: "maestro/feature" });
    // A branch with no commits of its own: GitHub refuses the PR.
    await gh.git(REPO, "branch", "empty", "main");
    await expect(
      o.rest.pulls.create({ owner: "octo", repo: "demo", head: "empty", base: "main", title: "t" }),
    ).rejects.toMatchObject({ status: 422 });
    const { data: pr } = await o.rest.pulls.create({
      owner: "octo",
      repo: "demo",
      head: "maestro/feature",
      base: "main",
      title: "Feature",
      body: "body",
      draft: true,
    });
    expect([pr.draft, pr.head.sha, pr.head.ref]).toEqual([true, sha, "maestro/feature"]);
    await expect(
      o.rest.pulls.create({
        owner: "octo",
        repo: "demo",
        head: "maestro/feature",
        base: "main",
        title: "again",
      }),
    ).rejects.toMatchObject({ status: 422 });
    const listed = await o.rest.pulls.list({
      owner: "octo",
      repo: "demo",
      head: "octo:maestro/feature",
      state: "open",
    });
    expect(listed.data.map((p) => p.number)).toEqual([pr.number]);
    await o.rest.pulls.update({ owner: "octo", repo: "demo", pull_number: pr.number, body: "new body" });
    await o.rest.pulls.requestReviewers({
      owner: "octo",
      repo: "demo",
      pull_number: pr.number,
      reviewers: ["alice"],
    });
    await expect(
      o.rest.pulls.requestReviewers({
        owner: "octo",
        repo: "demo",
        pull_number: pr.number,
        reviewers: ["stranger"],
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(gh.pulls(REPO)).toEqual([
      expect.objectContaining({
        number: pr.number,
        body: "new body",
        draft: true,
        requestedReviewers: ["alice"],
      }),
    ]);

    // A push moves the PR's head.
    const sha2 = await gh.commit(REPO, { "feature.txt": "y\n" }, { branch: "maestro/feature" });
    expect(
      (await o.rest.pulls.get({ owner: "octo", repo: "demo", pull_number: pr.number })).data.head.sha,
    ).toBe(sha2);

    const { data: run } = await o.rest.checks.create({
      owner: "octo",
      repo: "demo",
      name: "Maestro",
      head_sha: sha2,
      status: "in_progress",
    });
    await o.rest.checks.update({
      owner: "octo",
      repo: "demo",
      check_run_id: run.id,
      conclusion: "success",
      output: { title: "done", summary: "all good" },
    });
    const runs = await o.rest.checks.listForRef({ owner: "octo", repo: "demo", ref: "maestro/feature" });
    expect(runs.data.check_runs.map((c) => [c.name, c.status, c.conclusion])).toEqual([
      ["Maestro", "completed", "success"],
    ]);
    await expect(
      o.rest.checks.create({ owner: "octo", repo: "demo", name: "x", head_sha: "f".repeat(40) }),
    ).rejects.toMatchObject({ status: 422 });

    const { review, comments } = await gh.submitReview(REPO, pr.number, {
      user: "alice",
      state: "CHANGES_REQUESTED",
      body: "please",
      comments: [{ path: "feature.txt", line: 1, body: "rename this" }],
      send: false,
    });
    const listedComments = await o.rest.pulls.listCommentsForReview({
      owner: "octo",
      repo: "demo",
      pull_number: pr.number,
      review_id: review.id,
    });
    expect(listedComments.data.map((c) => c.body)).toEqual(["rename this"]);
    await o.rest.pulls.createReplyForReviewComment({
      owner: "octo",
      repo: "demo",
      pull_number: pr.number,
      comment_id: comments[0]!.id,
      body: "done",
    });
    expect(gh.reviewComments(REPO).map((c) => [c.body, c.inReplyTo])).toEqual([
      ["rename this", null],
      ["done", comments[0]!.id],
    ]);
    expect(gh.problems()).toEqual([]);
  });
});

describe("local GitHub: answers in GitHub's shape", () => {
  it("every other implemented route answers with a body that fits GitHub's response schema", async () => {
    const o = await installationOctokit();
    const app = (await createAppAuth({
      appId: gh.appId,
      privateKey: gh.privateKey,
      baseUrl: gh.apiUrl,
      Octokit: testOctokit(),
    }).probot.auth()) as Octokit;
    const base = { owner: "octo", repo: "demo" };
    expect((await app.rest.apps.getRepoInstallation(base)).data.id).toBe(gh.installationId);
    expect((await app.rest.apps.getInstallation({ installation_id: gh.installationId })).data.app_slug).toBe(
      "maestro-test",
    );
    const { data: issue } = await o.rest.issues.create({
      ...base,
      title: "Made by the app",
      labels: ["bug"],
    });
    await o.rest.issues.update({ ...base, issue_number: issue.number, state: "closed" });
    expect(gh.issue(REPO, issue.number)).toMatchObject({
      state: "closed",
      labels: ["bug"],
      user: "maestro-test[bot]",
    });
    expect(
      (await o.rest.issues.listLabelsOnIssue({ ...base, issue_number: issue.number })).data.map(
        (l) => l.name,
      ),
    ).toEqual(["bug"]);
    const { data: c } = await o.rest.issues.createComment({ ...base, issue_number: issue.number, body: "x" });
    expect((await o.rest.issues.getComment({ ...base, comment_id: c.id })).data.body).toBe("x");
    await o.rest.reactions.createForIssueComment({ ...base, comment_id: c.id, content: "heart" });
    // The same reaction again: GitHub answers 200 with the existing one.
    expect(
      (await o.rest.reactions.createForIssueComment({ ...base, comment_id: c.id, content: "heart" })).status,
    ).toBe(200);
    expect((await o.rest.reactions.listForIssueComment({ ...base, comment_id: c.id })).data).toHaveLength(1);
    await o.rest.reactions.createForIssue({ ...base, issue_number: issue.number, content: "+1" });
    expect((await o.rest.reactions.listForIssue({ ...base, issue_number: issue.number })).data).toHaveLength(
      1,
    );
    await o.rest.issues.deleteComment({ ...base, comment_id: c.id });
    await expect(o.rest.issues.getComment({ ...base, comment_id: c.id })).rejects.toMatchObject({
      status: 404,
    });

    const sha = await gh.commit(REPO, { "shape.txt": "x\n" }, { branch: "shape" });
    const { data: pr } = await o.rest.pulls.create({ ...base, head: "shape", base: "main", title: "Shape" });
    await o.rest.pulls.requestReviewers({ ...base, pull_number: pr.number, reviewers: ["alice"] });
    expect(
      (await o.rest.pulls.listRequestedReviewers({ ...base, pull_number: pr.number })).data.users.map(
        (u) => u.login,
      ),
    ).toEqual(["alice"]);
    const { review, comments } = await gh.submitReview(REPO, pr.number, {
      user: "alice",
      state: "COMMENTED",
      comments: [{ path: "shape.txt", line: 1, body: "hm" }],
      send: false,
    });
    expect(
      (await o.rest.pulls.getReview({ ...base, pull_number: pr.number, review_id: review.id })).data.state,
    ).toBe("COMMENTED");
    expect(
      (await o.rest.pulls.listReviewComments({ ...base, pull_number: pr.number })).data.map((x) => x.id),
    ).toEqual([comments[0]!.id]);
    await o.rest.reactions.createForPullRequestReviewComment({
      ...base,
      comment_id: comments[0]!.id,
      content: "eyes",
    });
    const { data: run } = await o.rest.checks.create({ ...base, name: "Shape", head_sha: sha });
    expect((await o.rest.checks.get({ ...base, check_run_id: run.id })).data).toMatchObject({
      status: "queued",
      conclusion: null,
    });
    expect(gh.problems()).toEqual([]);
  });
});

describe("local GitHub: what GitHub refuses", () => {
  it("answers a body that fails the spec with 422 Validation Failed, and records it", async () => {
    const o = await installationOctokit();
    const before = gh.problems().length;
    const issue = gh.createIssue(REPO, { title: "t", user: "alice" });
    const err = await o
      .request("POST /repos/{owner}/{repo}/issues/{issue_number}/reactions", {
        owner: "octo",
        repo: "demo",
        issue_number: issue.number,
        // Not one of GitHub's reaction names: the spec's enum refuses it.
        content: "thumbs" as "+1",
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, response: { data: { message: "Validation Failed" } } });
    expect(gh.reactions(REPO).filter((x) => x.subject === `issue:${issue.number}`)).toEqual([]);
    const added = gh.problems().slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/reactions.*content/);
  });

  it("answers an unknown route with 404 and an unimplemented one with 501, both recorded", async () => {
    const o = await installationOctokit();
    const before = gh.problems().length;
    await expect(
      o.request("GET /repos/{owner}/{repo}/frobnicate", { owner: "octo", repo: "demo" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(o.rest.repos.listBranches({ owner: "octo", repo: "demo" })).rejects.toMatchObject({
      status: 501,
    });
    const added = gh.problems().slice(before);
    expect(added).toHaveLength(2);
    expect(added[0]).toMatch(/frobnicate.*no such route/);
    expect(added[1]).toMatch(/GET \/repos\/\{owner\}\/\{repo\}\/branches.*not implemented/);
  });

  it("refuses missing, bad and expired credentials with 401", async () => {
    const before = gh.problems().length;
    const get = (authorization?: string) =>
      fetch(`${gh.apiUrl}/repos/octo/demo`, { headers: authorization ? { authorization } : {} });
    const token = gh.issueToken();
    expect((await get(`token ${token}`)).status).toBe(200);
    expect((await get()).status).toBe(401);
    const bad = await get("token ghs_not_a_real_token");
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: "Bad credentials" });
    gh.setTokenTtl(50);
    const short = gh.issueToken();
    gh.setTokenTtl(3600_000);
    expect((await get(`token ${short}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 80));
    expect((await get(`token ${short}`)).status).toBe(401);
    // Users are public: no credentials needed.
    expect((await fetch(`${gh.apiUrl}/users/alice`)).status).toBe(200);
    expect(gh.problems().slice(before)).toHaveLength(3);
  });

  it("refuses a JWT signed by another key", async () => {
    const before = gh.problems().length;
    const other = await startLocalGitHub({ appId: gh.appId });
    try {
      const probot = new Probot({
        appId: gh.appId,
        privateKey: other.privateKey,
        baseUrl: gh.apiUrl,
        Octokit: testOctokit(),
        logLevel: "fatal",
      });
      const app = (await probot.auth()) as Octokit;
      await expect(app.rest.apps.getAuthenticated()).rejects.toMatchObject({ status: 401 });
    } finally {
      await other.close();
    }
    expect(gh.problems().slice(before)).toEqual([
      expect.stringMatching(/GET \/app: 401 A JSON web token could not be decoded/),
    ]);
  });
});

describe("local GitHub: git over HTTP", () => {
  const remote = () => `${gh.url}/octo/demo.git`;

  it("clones and pushes with a valid installation token; the push is seen by the API", async () => {
    const dir = path.join(tmp, "clone-ok");
    const token = gh.issueToken();
    const clone = await gitCli(tmp, ["clone", "--quiet", remote(), dir], authEnv({ token }));
    expect(clone).toMatchObject({ code: 0 });
    expect(await fs.readFile(path.join(dir, "README.md"), "utf8")).toBe("# demo\n");
    await fs.writeFile(path.join(dir, "pushed.txt"), "pushed\n");
    await gitCli(dir, ["add", "pushed.txt"]);
    await gitCli(dir, [
      "-c",
      "user.name=T",
      "-c",
      "user.email=t@example.com",
      "commit",
      "--quiet",
      "-m",
      "push me",
    ]);
    const push = await gitCli(
      dir,
      ["push", "--quiet", "origin", "HEAD:refs/heads/pushed"],
      authEnv({ token }),
    );
    expect(push).toMatchObject({ code: 0 });
    const local = (await gitCli(dir, ["rev-parse", "HEAD"])).stdout.trim();
    expect(await gh.branchSha(REPO, "pushed")).toBe(local);
    expect(
      gh
        .pushes()
        .filter((p) => p.repo === REPO)
        .at(-1),
    ).toMatchObject({ status: 200 });
    // The token never reached the clone's config.
    expect(await fs.readFile(path.join(dir, ".git/config"), "utf8")).not.toContain(token);
  });

  it("refuses git without a token, with a bad one and with an expired one", async () => {
    const before = gh.problems().length;
    const none = await gitCli(tmp, ["clone", "--quiet", remote(), path.join(tmp, "c-none")]);
    expect(none.code).not.toBe(0);
    const bad = await gitCli(
      tmp,
      ["clone", "--quiet", remote(), path.join(tmp, "c-bad")],
      authEnv({ token: "ghs_bad" }),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/401|Authentication failed|could not read Username/i);
    const token = gh.issueToken();
    gh.expireTokens();
    const expired = await gitCli(
      tmp,
      ["clone", "--quiet", remote(), path.join(tmp, "c-exp")],
      authEnv({ token }),
    );
    expect(expired.code).not.toBe(0);
    expect(
      gh
        .problems()
        .slice(before)
        .every((p) => p.startsWith("git upload-pack octo/demo: 401")),
    ).toBe(true);
    expect(gh.problems().length - before).toBe(3);
  });
});

describe("local GitHub: webhooks and faults", () => {
  let receiver: http.Server;
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        got.push({ headers: req.headers, body });
        res.writeHead(202).end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    gh.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it("sends signed deliveries that @octokit/webhooks verifies, built from the stored comment", async () => {
    const issue = gh.createIssue(REPO, { title: "Hook", body: "- [ ] one", user: "alice" });
    const { comment, delivery } = await gh.postComment(REPO, issue.number, "/maestro run tidy", {
      user: "alice",
      deliveryId: "delivery-1",
    });
    expect(delivery).toMatchObject({
      status: 202,
      body: "ok",
      id: "delivery-1",
      event: "issue_comment",
      action: "created",
    });
    const last = got.at(-1)!;
    expect(last.headers["x-github-event"]).toBe("issue_comment");
    expect(last.headers["x-github-delivery"]).toBe("delivery-1");
    const verifier = new Webhooks({ secret: "wh-secret" });
    expect(await verifier.verify(last.body, String(last.headers["x-hub-signature-256"]))).toBe(true);
    expect(
      await new Webhooks({ secret: "other" }).verify(last.body, String(last.headers["x-hub-signature-256"])),
    ).toBe(false);
    const payload = JSON.parse(last.body) as {
      comment: { id: number; body: string };
      issue: { number: number; body: string };
      sender: { login: string; type: string };
      repository: { full_name: string };
      installation: { id: number };
    };
    expect(payload.comment).toMatchObject({ id: comment.id, body: "/maestro run tidy" });
    expect(payload.issue).toMatchObject({ number: issue.number, body: "- [ ] one" });
    expect(payload.sender).toMatchObject({ login: "alice", type: "User" });
    expect(payload.repository.full_name).toBe(REPO);
    expect(payload.installation.id).toBe(gh.installationId);

    await gh.addLabel(REPO, issue.number, "maestro:tidy", { user: "alice" });
    const labeled = JSON.parse(got.at(-1)!.body) as { action: string; label: { name: string } };
    expect([labeled.action, labeled.label.name]).toEqual(["labeled", "maestro:tidy"]);
    expect(gh.labels(REPO, issue.number)).toEqual(["maestro:tidy"]);
  });

  it("fires a fault exactly `times` times, before the handler (no state change) unless afterHandler", async () => {
    const o = await installationOctokit();
    const issue = gh.createIssue(REPO, { title: "Faults", user: "alice" });
    const f = gh.fault({
      route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      status: 502,
      times: 2,
    });
    const post = () =>
      o.rest.issues
        .createComment({ owner: "octo", repo: "demo", issue_number: issue.number, body: "hi" })
        .then(
          (r) => r.status,
          (e: { status: number }) => e.status,
        );
    expect([await post(), await post(), await post()]).toEqual([502, 502, 201]);
    expect([f.fired, f.remaining]).toEqual([2, 0]);
    expect(gh.issueComments(REPO, issue.number)).toHaveLength(1);

    gh.fault({
      method: "POST",
      route: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      status: 502,
      afterHandler: true,
    });
    expect(await post()).toBe(502);
    expect(gh.issueComments(REPO, issue.number)).toHaveLength(2);

    gh.fault({
      route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
      kind: "secondary-rate-limit",
    });
    const limited = await o.rest.issues
      .createComment({ owner: "octo", repo: "demo", issue_number: issue.number, body: "x" })
      .catch(
        (e: { status: number; response: { headers: Record<string, string>; data: { message: string } } }) =>
          e,
      );
    expect(limited).toMatchObject({ status: 403, response: { headers: { "retry-after": "1" } } });
    expect((limited as { response: { data: { message: string } } }).response.data.message).toMatch(
      /You have exceeded a secondary rate limit/,
    );

    gh.fault({ route: "GET /repos/{owner}/{repo}", delayMs: 300 });
    const t0 = Date.now();
    expect((await o.rest.repos.get({ owner: "octo", repo: "demo" })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);

    expect(() => gh.fault({ route: "POST /repos/{owner}/{repo}/nonsense" })).toThrow(
      /not in GitHub's OpenAPI/,
    );
    expect(gh.problems().filter((p) => p.includes("comments"))).toEqual([]);
  });

  it("can fail a push once (GIT receive-pack), then let it through", async () => {
    const token = gh.issueToken();
    const dir = path.join(tmp, "clone-fault");
    await gitCli(tmp, ["clone", "--quiet", `${gh.url}/octo/demo.git`, dir], authEnv({ token }));
    await gitCli(dir, [
      "-c",
      "user.name=T",
      "-c",
      "user.email=t@example.com",
      "commit",
      "--quiet",
      "--allow-empty",
      "-m",
      "e",
    ]);
    gh.fault({ route: "GIT receive-pack", status: 502 });
    const first = await gitCli(
      dir,
      ["push", "--quiet", "origin", "HEAD:refs/heads/faulty"],
      authEnv({ token }),
    );
    expect(first.code).not.toBe(0);
    expect(await gh.branchSha(REPO, "faulty")).toBeNull();
    const second = await gitCli(
      dir,
      ["push", "--quiet", "origin", "HEAD:refs/heads/faulty"],
      authEnv({ token }),
    );
    expect(second.code).toBe(0);
    expect(await gh.branchSha(REPO, "faulty")).not.toBeNull();
  });
});
