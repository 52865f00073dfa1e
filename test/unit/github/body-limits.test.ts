// GitHub's size limits (DESIGN §11): every body Maestro sends stays under 65,536 characters
// (65,535 for a check run's summary and text) on every reading of "characters" — UTF-16 units, code
// points, UTF-8 bytes — and a long run's texts collapse to the rows that matter, markers kept.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import {
  fitBody,
  GITHUB_MAX_BODY,
  GITHUB_MAX_CHECK_OUTPUT,
  ownLineMarkers,
  prefixWithinBytes,
  truncateText,
} from "../../../src/github/body-limits.js";
import { upsertCheckRun } from "../../../src/github/check-run.js";
import type { Octokit } from "../../../src/github/octokit.js";
import { ensureDraftPullRequest } from "../../../src/github/pull-request.js";
import { prepareReply, reply, replyMarker } from "../../../src/github/reply.js";
import {
  replyToReviewComment,
  replyMarker as reviewReplyMarker,
} from "../../../src/github/review-comments.js";
import {
  cell,
  pullRequestMarker,
  renderFinishedComment,
  renderPullRequestBody,
  renderRunningComment,
  renderTaskTable,
  type RunSummaryInput,
  type SummaryTask,
} from "../../../src/github/run-summary.js";
import { statusMarker, upsertStatusComment } from "../../../src/github/status-comment.js";
import { formatDryRunReply } from "../../../src/commands/dry-run.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const codePoints = (s: string) => [...s].length;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Under `max` however GitHub counts, and whole characters only. */
function expectWithin(body: string, max: number = GITHUB_MAX_BODY): void {
  expect(body.length).toBeLessThanOrEqual(max);
  expect(codePoints(body)).toBeLessThanOrEqual(max);
  expect(bytes(body)).toBeLessThanOrEqual(max);
  expect(LONE_SURROGATE.test(body)).toBe(false);
}

/** Pipes GFM reads as cell delimiters: those not escaped by a backslash. */
function delimiters(row: string): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === "\\") i++;
    else if (row[i] === "|") n++;
  }
  return n;
}

function expectWellFormedTable(body: string): void {
  const rows = body.split("\n").filter((l) => l.startsWith("| "));
  expect(rows.length).toBeGreaterThanOrEqual(2);
  for (const r of rows) expect(delimiters(r)).toBe(7);
}

const FAILED = new Set([17, 301, 402]);
/** A long run: realistic task texts (some multi-byte), three failed tasks, the rest done. */
function longRun(n: number, runId: string): RunSummaryInput {
  const tasks: SummaryTask[] = Array.from({ length: n }, (_, i) => ({
    index: i,
    text:
      i % 3 === 0
        ? `Übersetze die Meldungen in packages/pkg-${i}/src/messages.ts ins Deutsche — 日本語もお願いします 🎌 (${i})`
        : `Run the linter on packages/pkg-${i} and fix every error it reports, keeping the public API unchanged`,
    ...(FAILED.has(i)
      ? { status: "failed", error: `verify failed: npm test exited 1 in pkg-${i}`, costUsd: 0.2 }
      : {
          status: "done",
          costUsd: 0.1,
          durationMs: 42_000,
          sha: "0123456789abcdef0123456789abcdef01234567",
        }),
  }));
  return {
    runId,
    playbook: "lint",
    status: "failed",
    branch: `maestro/12-lint-${runId}`,
    tasks,
    tasksDone: n - FAILED.size,
    tasksTotal: n,
    costUsd: n * 0.1,
    tokens: { input: 123_456_789, output: 9_876_543, cacheRead: 1_000_000, cacheWrite: 20_000 },
    durationMs: 9 * 3600_000,
    logUrl: `https://maestro.example/maestro/runs/${runId}.jsonl?sig=abc`,
    actor: "octocat",
  };
}

/** Every task is either a row of its own or counted in a "…" row; the failed ones have rows. */
function expectCollapsedTable(body: string, n: number, failed: Iterable<number>): void {
  expectWellFormedTable(body);
  const rows = body.split("\n").filter((l) => /^\| \d+ \|/.test(l));
  const counted = [...body.matchAll(/… (\d+) more tasks? \(/g)].reduce((a, m) => a + Number(m[1]), 0);
  expect(counted).toBeGreaterThan(0);
  expect(rows.length + counted).toBe(n);
  for (const i of failed)
    expect(rows.some((r) => r.startsWith(`| ${i + 1} |`) && r.includes("❌ failed"))).toBe(true);
  expect(body).toMatch(/… \d+ more tasks \(\d+–\d+\): all done — see the/);
}

/** An Octokit stand-in that records what would be sent. */
function recordingOctokit() {
  const sent: { route: string; params: Record<string, unknown> }[] = [];
  const rec =
    (route: string, data: unknown = { id: 1, number: 1, html_url: "https://github.com/o/r/pull/1" }) =>
    async (params: Record<string, unknown>) => {
      sent.push({ route, params });
      return { data };
    };
  const octokit = {
    rest: {
      checks: {
        listForRef: rec("checks.listForRef", { total_count: 0, check_runs: [] }),
        create: rec("checks.create", { id: 7 }),
        update: rec("checks.update", { id: 7 }),
      },
      issues: {
        createComment: rec("issues.createComment", { id: 11 }),
        updateComment: rec("issues.updateComment", { id: 11 }),
        listComments: rec("issues.listComments", []),
      },
      pulls: {
        list: rec("pulls.list", []),
        create: rec("pulls.create"),
        update: rec("pulls.update"),
        createReplyForReviewComment: rec("pulls.createReplyForReviewComment", { id: 5 }),
        listReviewComments: rec("pulls.listReviewComments", []),
      },
    },
    paginate: Object.assign(async () => [], {
      iterator: async function* () {
        yield { data: [] };
      },
    }),
  };
  return { octokit: octokit as unknown as Octokit, sent };
}

describe.each([600, 5_000])("a %i-task run", (n) => {
  const runId = `rlimit${n}`;
  const run = longRun(n, runId);

  it("status comment while running: under the limit, marker and header first, running and failed rows, the rest counted", () => {
    const current = Math.floor(n / 2) + 1;
    const tasks = run.tasks.map((t) => (t.index >= current ? { index: t.index, text: t.text } : t));
    const body = renderRunningComment({
      runId,
      playbook: "lint",
      branch: run.branch,
      tasks,
      current,
      tasksTotal: n,
      costUsd: 12.5,
      agent: "claude-code",
      actor: "octocat",
      elapsedMs: 3_600_000,
      tokens: { input: 1, output: 2 },
    });
    expectWithin(body);
    expect(body.startsWith(`${statusMarker(runId)}\n### Maestro run \`${runId}\`: running`)).toBe(true);
    expect(body).toContain(`\`/maestro cancel ${runId}\``);
    const rows = body.split("\n");
    expect(rows.some((r) => r.startsWith(`| ${current + 1} |`) && r.includes("running"))).toBe(true);
    for (const i of FAILED)
      if (i < current) expect(rows.some((r) => r.startsWith(`| ${i + 1} |`))).toBe(true);
    expect(body).toMatch(/… \d+ more tasks \(\d+–\d+\): all pending — see the run log/);
    expectWellFormedTable(body);
  });

  it("final status comment: under the limit, marker, header, failed tasks, the count of the rest, the log link", () => {
    const body = renderFinishedComment({ ...run, prUrl: "https://github.com/o/r/pull/3" });
    expectWithin(body);
    expect(body.startsWith(`${statusMarker(runId)}\n### Maestro run \`${runId}\`: ❌ failed`)).toBe(true);
    expect(body).toContain(`${n - 3}/${n} tasks done`);
    expect(body).toContain(`Run log: ${run.logUrl}`);
    expect(body).toContain(`/maestro retry ${runId}`);
    expectCollapsedTable(body, n, FAILED);
  });

  it("PR body: under the limit, marker, header, failed tasks and the count of the rest; sent as rendered", async () => {
    const body = renderPullRequestBody({ ...run, issueNumber: 12, isPullRequest: false });
    expectWithin(body);
    expect(body).toContain(pullRequestMarker(runId));
    expect(body).toContain("**❌ failed**");
    expect(body).toContain("Refs #12");
    expectCollapsedTable(body, n, FAILED);
    const { octokit, sent } = recordingOctokit();
    await ensureDraftPullRequest(octokit, {
      owner: "o",
      repo: "r",
      head: run.branch,
      base: "main",
      title: "t",
      body,
    });
    expect(sent.find((s) => s.route === "pulls.create")!.params.body).toBe(body);
  });

  it("check run output: summary under 65,535 with marker, header, failed tasks and the count of the rest", async () => {
    const { octokit, sent } = recordingOctokit();
    await upsertCheckRun(octokit, {
      owner: "o",
      repo: "r",
      headSha: "a".repeat(40),
      runId,
      status: "failed",
      title: `${n - 3}/${n} tasks done`,
      summary: renderFinishedComment(run),
      text: renderTaskTable(run.tasks, { maxBytes: Infinity, maxRows: Infinity }),
    });
    const output = sent.find((s) => s.route === "checks.create")!.params.output as Record<string, string>;
    expectWithin(output.summary!, GITHUB_MAX_CHECK_OUTPUT);
    expectWithin(output.text!, GITHUB_MAX_CHECK_OUTPUT);
    expect(output.summary!.startsWith(statusMarker(runId))).toBe(true);
    expect(output.summary).toContain(`### Maestro run \`${runId}\`: ❌ failed`);
    expectCollapsedTable(output.summary!, n, FAILED);
    // The text was cut at a row boundary, and says so.
    expect(output.text).toContain("cut to fit GitHub's size limit");
    expectWellFormedTable(output.text!);
  });

  it("the status comment sent to GitHub keeps its marker even when a caller's text is too long", async () => {
    const { octokit, sent } = recordingOctokit();
    const huge = `### Maestro run \`${runId}\`\n\n${"| 1 | 漢字 | ✅ done |\n".repeat(n * 10)}`;
    await upsertStatusComment(octokit, {
      owner: "o",
      repo: "r",
      issueNumber: 1,
      runId,
      body: huge,
      commentId: 11,
    });
    const body = sent.find((s) => s.route === "issues.updateComment")!.params.body as string;
    expectWithin(body);
    expect(body.startsWith(statusMarker(runId))).toBe(true);
    for (const line of body.split("\n").filter((l) => l.startsWith("| ")))
      expect(line).toBe("| 1 | 漢字 | ✅ done |");
  });

  it("a dry run lists what fits and counts the rest", () => {
    const text = formatDryRunReply({
      playbookName: "lint",
      origin: "repo",
      agent: "claude-code",
      limits: { maxCostUsd: 3, taskTimeoutMinutes: 20, runTimeoutMinutes: 180 },
      verify: ["npm test"],
      playbook: {
        name: "lint",
        frontMatter: {},
        context: "",
        source: "",
        tasks: run.tasks.map((t) => ({
          index: t.index,
          text: t.text,
          details: "",
          done: false,
          line: 1,
          checkOffset: 0,
        })),
      },
    });
    expectWithin(prepareReply(text));
    expect(prepareReply(text)).toBe(text);
    expect(text).toContain(`1. ${run.tasks[0]!.text}`);
    const listed = text.split("\n").filter((l) => /^\d+\. /.test(l)).length;
    expect(text).toContain(`… and ${n - listed} more tasks (${listed + 1}–${n}), not listed`);
    expect(text).toContain("nothing was queued");
  });
});

describe("any task texts render under the limit (property)", () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom(
      "|",
      "\\|",
      "\\",
      "\\\\|",
      "`",
      "```",
      "<!--",
      "-->",
      "<!-- maestro:run:rother -->",
      "\n",
      "\r\n",
      "  ",
      "🎉",
      "👨‍👩‍👧‍👦",
      "🇩🇪",
      "e\u0301",
      "漢字",
      "\uD83D",
      "\uDE00",
      "**bold**",
      "[link](https://x)",
      "<details><summary>",
      "# heading",
      "- [ ] nested",
      "&lt;",
      "\u200b",
    ),
  );
  const text = fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { maxLength: 30 }).map((a) => a.join("")) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("a", "🎉", "漢", "|", "\\|", "<!--"), fc.nat(5_000))
        .map(([c, k]) => c.repeat(k)),
    },
  );
  const status = fc.constantFrom(
    undefined,
    "done",
    "skipped",
    "failed",
    "timeout",
    "cancelled",
    "weird|status",
  );
  const task = fc.record({ text, status, error: fc.option(text, { nil: undefined }) });
  const tasks = fc.oneof(
    fc.array(task, { maxLength: 40 }),
    fc.array(task, { minLength: 90, maxLength: 700 }),
  );

  it("status comment (running and final), PR body and check-run summary", async () => {
    await fc.assert(
      fc.asyncProperty(tasks, fc.option(fc.nat(700), { nil: undefined }), async (raw, current) => {
        const list: SummaryTask[] = raw.map((t, i) => ({
          index: i,
          text: t.text,
          ...(t.status ? { status: t.status } : {}),
          ...(t.error ? { error: t.error } : {}),
        }));
        const s: RunSummaryInput = {
          runId: "rprop1",
          playbook: "p",
          status: "failed",
          branch: "maestro/1-p-rprop1",
          tasks: list,
          tasksDone: 0,
          tasksTotal: list.length,
          costUsd: 1,
          logUrl: "https://m.example/log",
        };
        const running = renderRunningComment({
          runId: "rprop1",
          playbook: "p",
          branch: s.branch,
          tasks: list,
          ...(current !== undefined ? { current } : {}),
          tasksTotal: list.length,
          costUsd: 0,
        });
        const finished = renderFinishedComment(s);
        const pr = renderPullRequestBody({ ...s, issueNumber: 1, isPullRequest: false });
        for (const body of [running, finished, pr]) {
          expectWithin(body);
          expectWellFormedTable(body);
          // The only marker lines are Maestro's own: a quoted one in task text is escaped.
          expect(ownLineMarkers(body)).toEqual([
            body === pr ? pullRequestMarker("rprop1") : statusMarker("rprop1"),
          ]);
          expect(body.split("<!-- maestro:").length).toBe(2);
        }
        expect(running.startsWith(statusMarker("rprop1"))).toBe(true);
        expect(finished.startsWith(statusMarker("rprop1"))).toBe(true);
        const { octokit, sent } = recordingOctokit();
        await upsertCheckRun(octokit, {
          owner: "o",
          repo: "r",
          headSha: "a".repeat(40),
          runId: "rprop1",
          status: "failed",
          title: list[0]?.text ?? "t",
          summary: finished,
        });
        const output = sent.find((x) => x.route === "checks.create")!.params.output as Record<string, string>;
        expect(output.summary).toBe(finished);
        expectWithin(output.title!, 255);
      }),
      { numRuns: 60 },
    );
  });
});

describe("collapsing", () => {
  it("a short table is shown whole, the task in progress marked running", () => {
    const s = longRun(30, "rshort1");
    const tasks = s.tasks.map((t) => (t.index >= 20 ? { index: t.index, text: t.text } : t));
    const body = renderRunningComment({ ...s, tasks, current: 20, costUsd: 1 });
    const rows = body.split("\n").filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(30);
    expect(rows[20]).toContain("▶️ running");
    expect(rows[21]).toContain("⏳ pending");
    expect(body).not.toContain("more tasks");
  });

  it("a table of few tasks but heavy rows collapses by size, not only by count", () => {
    const tasks: SummaryTask[] = Array.from({ length: 100 }, (_, i) => ({
      index: i,
      text: "漢".repeat(500),
      status: i === 50 ? "failed" : "done",
      error: "🎉|".repeat(300),
    }));
    const s = { ...longRun(1, "rheavy1"), tasks, tasksTotal: 100 };
    for (const body of [
      renderFinishedComment(s),
      renderPullRequestBody({ ...s, issueNumber: 1, isPullRequest: true }),
    ]) {
      expectWithin(body);
      expectWellFormedTable(body);
      expect(body).toMatch(/^\| 51 \| .*❌ failed/m);
      const shown = body.split("\n").filter((l) => /^\| \d+ \|/.test(l)).length;
      const counted = [...body.matchAll(/… (\d+) more tasks? \(/g)].reduce((a, m) => a + Number(m[1]), 0);
      expect(shown + counted).toBe(100);
      expect(counted).toBeGreaterThan(0);
    }
  });
});

describe("cutting", () => {
  it("a table cell is cut between characters: emoji sequences, flags and accents stay whole", () => {
    for (const c of ["👨‍👩‍👧‍👦", "🇩🇪", "e\u0301", "🎉", "漢"]) {
      const out = cell(`x${c.repeat(200)}`, 120);
      expect(out.length).toBeLessThanOrEqual(120);
      expect(out.endsWith("…")).toBe(true);
      const body = out.slice(1, -1);
      expect(body).toBe(c.repeat(body.length / c.length));
    }
    expect(truncateText("abc", 3)).toBe("abc");
    expect(truncateText("abcd", 3)).toBe("ab…");
  });

  it("pipes, backslashes and HTML comments in a cell cannot break the row or pass for a marker", () => {
    const c = cell("a|b \\|c \\\\|d <!-- maestro:run:rX --> e");
    expect(delimiters(`| ${c} |`)).toBe(2);
    expect(c).not.toContain("<!--");
  });

  it("a byte prefix never ends in half a character", () => {
    expect(prefixWithinBytes("a🎉b", 4)).toBe("a");
    expect(prefixWithinBytes("a🎉b", 5)).toBe("a🎉");
    expect(prefixWithinBytes("漢字", 5)).toBe("漢");
  });

  it("fitBody cuts at a line break, closes an open fence, says so, and keeps leading and trailing markers", () => {
    const lead = "<!-- maestro:run:r1 -->";
    const trail = "<!-- maestro:reply:d1 -->";
    const body = `${lead}\n# Title\n\n\`\`\`\n${"| 1 | 🎉 row |\n".repeat(10_000)}\`\`\`\n\n${trail}\n`;
    const out = fitBody(body, { maxBytes: 5_000 });
    expect(bytes(out)).toBeLessThanOrEqual(5_000);
    expect(out.startsWith(`${lead}\n# Title`)).toBe(true);
    expect(out.trimEnd().endsWith(trail)).toBe(true);
    expect(out).toContain("cut to fit GitHub's size limit");
    const rows = out.split("\n").filter((l) => l.startsWith("| "));
    for (const r of rows) expect(r).toBe("| 1 | 🎉 row |");
    expect(out.split("\n").filter((l) => l === "```")).toHaveLength(2);
    expect(fitBody("short")).toBe("short");
    expect(fitBody("bad \uD83D half")).toBe("bad \uFFFD half");
  });

  it("replies: redacted, within the limit in bytes, whole characters, marker kept", async () => {
    const text = prepareReply(`x${"🎉".repeat(40_000)}`);
    expectWithin(text);
    const { octokit, sent } = recordingOctokit();
    await reply(
      octokit,
      { owner: "o", repo: "r", issueNumber: 1, deliveryId: "d-1" },
      `${"漢字\n".repeat(30_000)}`,
    );
    const body = sent.find((s) => s.route === "issues.createComment")!.params.body as string;
    expectWithin(body);
    expect(body).toContain(replyMarker("d-1"));
  });

  it("a review reply stays within the limit and keeps its marker", async () => {
    const { octokit, sent } = recordingOctokit();
    await replyToReviewComment(octokit, {
      owner: "o",
      repo: "r",
      pullNumber: 3,
      commentId: 9,
      runId: "rrev1",
      body: `❌ Not done: ${"漢".repeat(70_000)}`,
    });
    const body = sent.find((s) => s.route === "pulls.createReplyForReviewComment")!.params.body as string;
    expectWithin(body);
    expect(body.trimEnd().endsWith(reviewReplyMarker("rrev1"))).toBe(true);
  });
});
