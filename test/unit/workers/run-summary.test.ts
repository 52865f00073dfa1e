import { describe, expect, it } from "@jest/globals";
import {
  duration,
  renderFinishedComment,
  renderPullRequestBody,
  renderRunningComment,
  renderTaskTable,
  usd,
} from "../../../src/github/run-summary.js";
import { statusMarker } from "../../../src/github/status-comment.js";

const base = {
  runId: "rabc123",
  playbook: "lint",
  status: "succeeded",
  branch: "maestro/1-lint-rabc123",
  tasks: [
    {
      index: 0,
      text: "Fix | the\nlinter",
      status: "done",
      costUsd: 0.5,
      durationMs: 61_000,
      sha: "a".repeat(40),
    },
    { index: 1, text: "Second", status: "failed", error: "verify failed: npm test exited 1" },
    { index: 2, text: "Third" },
  ],
  tasksDone: 1,
  tasksTotal: 3,
  costUsd: 0.5,
  tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
  durationMs: 65_000,
};

describe("run summary", () => {
  it("renders one table row per task; pipes and newlines in task text cannot break the table", () => {
    const rows = renderTaskTable(base.tasks).split("\n");
    expect(rows).toHaveLength(5);
    expect(rows[2]).toContain("Fix \\| the linter");
    expect(rows[2]).toContain("`aaaaaaa`");
    expect(rows[3]).toContain("failed: verify failed");
    expect(rows[4]).toContain("pending");
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length).toBe(8);
  });

  it("final comment: marker, status, totals, PR link; a retry hint only when not succeeded", () => {
    const ok = renderFinishedComment({
      ...base,
      prUrl: "https://github.com/o/r/pull/3",
      logUrl: "https://m.example/maestro/runs/rabc123.jsonl",
    });
    expect(ok.startsWith(statusMarker("rabc123"))).toBe(true);
    expect(ok).toContain("succeeded");
    expect(ok).toContain("1/3 tasks done, cost $0.50");
    expect(ok).toContain("https://github.com/o/r/pull/3");
    expect(ok).toContain("Run log: https://m.example/maestro/runs/rabc123.jsonl");
    expect(ok).not.toContain("/maestro retry");
    const cancelled = renderFinishedComment({ ...base, status: "cancelled", tasksDone: 0 });
    expect(cancelled).toContain("cancelled");
    expect(cancelled).toContain("/maestro retry rabc123");
    expect(cancelled).toContain("no pull request was opened");
  });

  it("running comment shows the task in progress and the cost so far", () => {
    const text = renderRunningComment({
      runId: "rabc123",
      playbook: "lint",
      branch: base.branch,
      tasks: [base.tasks[0]!, { index: 1, text: "Second" }, { index: 2, text: "Third" }],
      current: 1,
      tasksTotal: 3,
      costUsd: 0.75,
    });
    expect(text).toContain("running");
    expect(text).toContain("task 2/3");
    expect(text).toContain("$0.75");
  });

  it("PR body names the issue, the requester, the totals and says Maestro never merges", () => {
    const body = renderPullRequestBody({ ...base, issueNumber: 12, isPullRequest: false, actor: "octocat" });
    expect(body).toContain("for #12");
    expect(body).toContain("@octocat");
    expect(body).toContain("never merges");
    expect(body).toContain("tokens 10 in / 5 out");
  });

  it("issue 13: a task that changed no file is marked in its row and the totals; a cost with unpriced tokens says so", () => {
    const s = {
      ...base,
      tasks: [
        { ...base.tasks[0]!, filesChanged: 3 },
        { index: 1, text: "Second", status: "done", filesChanged: 0, costUsd: 0.1, sha: "b".repeat(40) },
      ],
      tasksDone: 2,
      tasksTotal: 2,
      unpricedModels: ["acme-coder-9"],
    };
    const rows = renderTaskTable(s.tasks).split("\n");
    expect(rows[2]).not.toContain("changed no file");
    expect(rows[3]).toContain("✅ done · ⚠️ changed no file");
    for (const body of [
      renderFinishedComment(s),
      renderPullRequestBody({ ...s, issueNumber: 1, isPullRequest: false }),
    ]) {
      expect(body).toContain("Task #2 changed no file.");
      expect(body).toContain("cost $0.50 + unknown (no price for acme-coder-9: add it under `pricing`");
    }
    const running = renderRunningComment({
      runId: "rabc123",
      playbook: "lint",
      branch: base.branch,
      tasks: s.tasks,
      tasksTotal: 2,
      costUsd: 0.6,
      unpricedModels: ["acme-coder-9"],
    });
    expect(running).toContain("cost so far $0.60 + unknown (no price for acme-coder-9");
  });

  it("a collapsed table of many tasks keeps the rows of tasks that changed no file", () => {
    const tasks = Array.from({ length: 300 }, (_, i) => ({
      index: i,
      text: `task ${i}`,
      status: "done",
      filesChanged: i === 150 ? 0 : 1,
    }));
    expect(renderTaskTable(tasks)).toContain("| 151 | task 150 | ✅ done · ⚠️ changed no file");
  });

  it("links the live run page from the running and final comments and the PR body, when there is one", () => {
    const pageUrl = "https://m.example/maestro/runs/rabc123?exp=1&sig=ab";
    const logUrl = "https://m.example/maestro/runs/rabc123.jsonl?exp=1&sig=ab";
    const running = renderRunningComment({ ...base, current: 1, pageUrl, logUrl });
    expect(running).toContain(`- Live run page: ${pageUrl}\n`);
    expect(renderFinishedComment({ ...base, pageUrl, logUrl })).toContain(
      `Live run page: ${pageUrl}\n\nRun log: ${logUrl}`,
    );
    expect(
      renderPullRequestBody({ ...base, pageUrl, logUrl, issueNumber: 7, isPullRequest: false }),
    ).toContain(`Live run page: ${pageUrl} Run log: ${logUrl}`);
    for (const text of [
      renderRunningComment({ ...base, current: 1 }),
      renderFinishedComment(base),
      renderPullRequestBody({ ...base, issueNumber: 7, isPullRequest: false }),
    ])
      expect(text).not.toContain("Live run page");
  });

  it("formats money and durations", () => {
    expect(usd(0)).toBe("$0.00");
    expect(usd(0.004)).toBe("$0.0040");
    expect(usd(12.345)).toBe("$12.35");
    expect(duration(undefined)).toBe("–");
    expect(duration(59_400)).toBe("59s");
    expect(duration(125_000)).toBe("2m 5s");
    expect(duration(3_725_000)).toBe("1h 2m");
  });
});
