// The request checker must be able to fail: wrong routes and wrong bodies are reported.
import { afterEach, describe, expect, it } from "@jest/globals";
import { matchRoute, mockGitHub, type GitHubMock } from "../../helpers/github-api.js";

let gh: GitHubMock | undefined;
afterEach(() => gh?.done());

describe("OpenAPI request recorder", () => {
  it("matches templated routes, literal segments first", () => {
    expect(matchRoute("PATCH", "/repos/o/r/issues/comments/5")?.route.template).toBe(
      "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    );
    expect(matchRoute("GET", "/repos/o/r/issues/5")?.route.template).toBe(
      "/repos/{owner}/{repo}/issues/{issue_number}",
    );
    expect(matchRoute("GET", "/repos/o/r/contents/a%2Fb.md")?.params.path).toBe("a/b.md");
    expect(matchRoute("POST", "/repos/o/r/no-such-thing")).toBeNull();
    expect(matchRoute("DELETE", "/repos/o/r/issues/5")).toBeNull();
  });

  it("reports unknown routes and bodies that fail the spec", async () => {
    gh = mockGitHub({ owner: "o", repo: "r" });
    const post = (path: string, body: unknown) =>
      fetch(`https://api.github.com${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
    await post("/repos/o/r/issues/1/comments", { body: "fine" });
    expect(gh.problems()).toEqual([]);
    await post("/repos/o/r/issues/comments/1/reactions", { content: "thumbs" });
    await post("/repos/o/r/issues/1/comments", { text: "no body key" });
    const res = await post("/repos/o/r/frobnicate", {});
    expect(res.status).toBe(501);
    const problems = gh.problems();
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain("reactions");
    expect(problems[1]).toContain("body");
    expect(problems[2]).toContain("no such route");
  });
});
