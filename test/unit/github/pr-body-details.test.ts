// Issue 14 §4: a PR body a reviewer can judge — per task the agent's own summary, the files it changed, the
// verify result (with the output's tail when it failed) and the no-change mark; sanitized; within GitHub's limit.
import { describe, expect, it } from "@jest/globals";
import { GITHUB_MAX_BODY } from "../../../src/github/body-limits.js";
import { renderPullRequestBody, type SummaryTask } from "../../../src/github/run-summary.js";
import { renderTaskDetails } from "../../../src/github/task-details.js";

const sha = (c: string) => c.repeat(40);
const base = {
  runId: "rdetails1",
  playbook: "lint",
  status: "failed",
  branch: "maestro/1-lint-rdetails1",
  tasksDone: 2,
  tasksTotal: 3,
  costUsd: 0.42,
  issueNumber: 7,
  isPullRequest: false,
  actor: "octocat",
};

const threeTasks: SummaryTask[] = [
  {
    index: 0,
    text: "Fix the lint errors in src/",
    status: "done",
    sha: sha("a"),
    filesChanged: 2,
    files: [{ path: "src/a.ts", added: 3, deleted: 1 }, { path: "assets/logo.png" }],
    summary: "Fixed 4 lint errors in src/a.ts and re-exported the logo. Thanks @octocat!",
    verify: [{ command: "npm test", exitCode: 0, durationMs: 1200, outputTail: "ok" }],
  },
  {
    index: 1,
    text: "Add a test for parse()",
    status: "failed",
    summary: "I added the test but it fails.",
    error: "verify command `npm test` exited with 1 after a retry session",
    verify: [
      {
        command: "npm test",
        exitCode: 1,
        durationMs: 2300,
        outputTail: Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n") + "\nFAIL parse.test.ts",
      },
    ],
  },
  {
    index: 2,
    text: "Remove the unused helper",
    status: "done",
    sha: sha("c"),
    filesChanged: 0,
    files: [],
    summary: "The helper was already gone.",
  },
];

describe("PR body details", () => {
  it("a 3-task run: each task's summary, files with a diffstat, verify result (tail on failure) and the no-change mark", () => {
    const body = renderPullRequestBody({ ...base, tasks: threeTasks });
    expect(body).toContain("### What each task did");
    expect(body).toContain("> Fixed 4 lint errors in src/a.ts");
    expect(body).toContain("`src/a.ts` (+3 −1)");
    expect(body).toContain("`assets/logo.png` (binary)");
    expect(body).toContain("Verify `npm test`: ✅ passed (1.2 s)");
    expect(body).toContain("> I added the test but it fails.");
    expect(body).toContain("Verify `npm test`: ❌ exit 1 (2.3 s)");
    expect(body).toContain("FAIL parse.test.ts");
    expect(body).toContain("line 39");
    expect(body).not.toContain("line 5\n"); // only the tail
    expect(body).toContain("⚠️ **Changed no file**");
    expect(body).toContain("> The helper was already gone.");
    // mentions in agent text are defused; the requester's own mention stays
    expect(body).toContain("Thanks @\u200boctocat!");
    expect(body).toContain("at the request of @octocat");
  });

  it("untrusted text cannot break out: HTML is inert, a fence cannot open, hidden comments are gone", () => {
    const hostile: SummaryTask = {
      index: 0,
      text: "Task <script>alert(1)</script>",
      status: "done",
      sha: sha("d"),
      filesChanged: 1,
      files: [
        { path: "a`b.ts", added: 1, deleted: 0 },
        { path: "@everyone\n<img src=x onerror=alert(1)>.md", added: 1, deleted: 0 },
      ],
      summary:
        "Done.\n```\nunclosed fence swallowing the rest\n<img src=x onerror=alert(1)>\n<!-- @everyone hidden -->",
      verify: [{ command: "npm test", exitCode: 2, durationMs: 10, outputTail: "```` breaks?\n<b>bold</b>" }],
    };
    const body = renderPullRequestBody({ ...base, tasks: [hostile], tasksDone: 1, tasksTotal: 1 });
    const details = body.slice(body.indexOf("### What each task did"), body.indexOf("Run `rdetails1`"));
    // Outside code blocks (where GitHub shows text as text), no markup of the agent's is left
    const prose = details.replace(/^(`{3,})text\n[\s\S]*?^\1$/gm, "").replace(/(`+)[^`\n][^\n]*?\1/g, ""); // and code spans
    expect(prose).not.toMatch(/<script|<img|<b>|<!--|onerror/i);
    expect(details).toContain("<b>bold</b>\n`````"); // inside the fence: shown as text
    expect(details).not.toMatch(/^> ```/m);
    expect(details).toContain("``a`b.ts``");
    // a file name the agent chose: one line, inside a code span, its mention defused
    expect(details).toContain("`@\u200beveryone <img src=x onerror=alert(1)>.md`");
    expect(details).not.toMatch(/(^|[^\u200b])@everyone/);
    // the verify tail's fence is longer than any backtick run inside it
    expect(details).toMatch(/`{5}text\n/);
    // the marker and the footer survive after the details
    expect(body).toContain("<!-- maestro:pr:rdetails1 -->");
    expect(body).toContain("Refs #7");
  });

  it("a 600-task run's body stays under GitHub's 65,536 characters, problems' details kept first", () => {
    const tasks: SummaryTask[] = Array.from({ length: 600 }, (_, i) => ({
      index: i,
      text: `Task number ${i} with a fairly long description of what should be done here`,
      status: i === 555 ? "failed" : "done",
      sha: sha("e"),
      filesChanged: i === 444 ? 0 : 3,
      files: [
        { path: `src/module-${i}/index.ts`, added: 10, deleted: 2 },
        { path: `src/module-${i}/util.ts`, added: 1, deleted: 1 },
        { path: `test/module-${i}.test.ts`, added: 30, deleted: 0 },
      ],
      summary: `I changed module ${i}: `.padEnd(400, "x"),
      verify: [{ command: "npm test", exitCode: i === 555 ? 1 : 0, durationMs: 900, outputTail: "boom" }],
    }));
    const body = renderPullRequestBody({ ...base, tasks, tasksDone: 599, tasksTotal: 600 });
    expect(body.length).toBeLessThan(GITHUB_MAX_BODY);
    expect(body).toContain("#### 556. ❌ failed");
    expect(body).toContain("#### 445. ✅ done");
    expect(body).toMatch(/_… \d+ more tasks: see the run log\._/);
    expect(body).toContain("<!-- maestro:pr:rdetails1 -->");
  });

  it("nothing finished: no details section", () => {
    expect(renderTaskDetails([{ index: 0, text: "a" }], (s) => s, 10_000)).toBe("");
  });
});
