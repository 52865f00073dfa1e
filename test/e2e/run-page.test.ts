// Issue 14 §2, the live run page, in a real browser (Debian's Chromium, driven by playwright-core) against the real
// `maestro serve` of the e2e world (MAESTRO_PUBLIC_URL + MAESTRO_LOG_SIGNING_KEY set, so the status comment links
// the page):
//   - a running run: the page link is taken from the status comment while the agent (page-agent.mjs) waits; the
//     line the agent prints on the test's signal shows on the page within 2 s, measured from the agent's own clock
//     reading after the print to the browser's first sight of it; then the run ends and the page shows it (run
//     succeeded, every task done, totals) without a reload.
//   - a finished 500-task run seeded into the store (the world's Redis prefix) with hostile text everywhere: the
//     page loads (timed), one section per task with only the newest open, a capped number of rows, and nothing of
//     the text runs as HTML (window.__pwned stays undefined, no <img>, the text shows literally).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, Page } from "playwright-core";
import { signRunPageUrl } from "../../src/http/run-log-link.js";
import type { RunEvent } from "../../src/runlog/events.js";
import { RedisRunLogStore } from "../../src/runlog/redis-store.js";
import { launchChromium } from "../support/browser.js";
import { E2E_AGENT, E2E_SIGNING_KEY, startE2EWorld, type E2EWorld } from "../support/e2e-world.js";

const PAGE_AGENT = path.join(path.dirname(E2E_AGENT), "page-agent.mjs");
const EVIL_IMG = "<img src=x onerror=window.__pwned=1>";
const EVIL_SCRIPT = "<script>window.__pwned=2</script>";

let world: E2EWorld;
let browser: Browser;
let stateDir: string;

beforeAll(async () => {
  stateDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "maestro-run-page-")));
  [world, browser] = await Promise.all([
    startE2EWorld({ publicUrl: true, env: { MAESTRO_SANDBOX: "off" } }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

/** A page that fails the test on any script error (a CSP violation included). */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  return { page, problems };
}

/** Polls a JavaScript expression in the page until it is true. (page.waitForFunction evaluates a string with eval,
 * which the page's CSP refuses, as it should; page.evaluate goes through the DevTools protocol.) */
async function until(page: Page, expr: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expr))) {
    if (Date.now() > deadline) throw new Error(`the page never had ${expr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the live run page", () => {
  it("shows a running run's agent line within 2 s and its end without a reload", async () => {
    const repo = await world.makeRepo("page-live", {
      config: [
        "agent: command",
        `agentCommand: ${JSON.stringify(`node ${PAGE_AGENT} ${stateDir}`)}`,
        "limits:",
        "  taskTimeoutMinutes: 2",
        "",
      ].join("\n"),
      playbooks: {
        live: "# Live\n\n- [ ] Wait for the go signal, then write `a.md`\n- [ ] Write `b.md`\n- [ ] Write `c.md`\n",
      },
    });
    const issue = world.gh.createIssue(repo, { title: "Live page", user: "alice" });
    const { runId } = await world.comment(repo, issue.number, "/maestro run live");
    const stem = path.join(stateDir, `${runId}-0`);
    await world.waitFor(
      "the agent to wait for the go signal",
      () => fs.existsSync(`${stem}.waiting`),
      60_000,
    );

    // The link as GitHub shows it, from the status comment of the running run.
    const link = await world.waitFor("the running status comment with the page link", () => {
      for (const c of world.gh.issueComments(repo, issue.number)) {
        if (!c.body.includes(`run \`${runId}\`: running`)) continue;
        const m = /Live run page: (\S+)/.exec(c.body);
        if (m) return m[1]!;
      }
      return null;
    });
    const publicUrl = world.env().MAESTRO_PUBLIC_URL!;
    expect(link).toMatch(new RegExp(`^${publicUrl}/maestro/runs/${runId}\\?exp=\\d+&sig=[0-9a-f]{64}$`));

    const { page, problems } = await openPage();
    await page.goto(link);
    // Set once: still there at the end means the page was never reloaded.
    await page.evaluate("window.__sameDocument = 'yes'");
    await page.locator('body[data-conn="live"]').waitFor({ timeout: 10_000 });
    await page
      .locator('details.task[data-index="0"][data-status="running"][open]')
      .waitFor({ timeout: 10_000 });
    expect(await page.locator("#status").textContent()).toBe("running");
    expect(await page.locator("#facts").textContent()).toContain("playbook live");
    const elapsed1 = await page.locator("#elapsed").textContent();

    // The browser notes when it first shows the line, on its own clock (the same machine's as the agent's).
    const tool = `🔧 Bash(npm test -- --grep page-${randomBytes(4).toString("hex")})`;
    await page.evaluate(`(() => {
      const want = ${JSON.stringify(tool)};
      window.__seenAt = 0;
      const check = () => { if (!window.__seenAt && document.getElementById("tasks").textContent.includes(want)) window.__seenAt = Date.now(); };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    fs.writeFileSync(`${stem}.go`, `${tool}\n`);
    await until(page, "window.__seenAt > 0");
    const seenAt = Number(await page.evaluate("window.__seenAt"));
    const printedAt = Number(
      await world.waitFor("the agent's print time", () =>
        fs.existsSync(`${stem}.printed`) ? fs.readFileSync(`${stem}.printed`, "utf8").trim() : null,
      ),
    );
    const latency = seenAt - printedAt;
    process.stdout.write(`run page: the agent's line showed ${latency} ms after the agent printed it\n`);
    expect(latency).toBeLessThan(2000);
    expect(await page.getByText(tool).count()).toBe(1);
    // Elapsed time ticks while the run goes.
    await until(page, `document.getElementById("elapsed").textContent !== ${JSON.stringify(elapsed1)}`, 5000);

    fs.writeFileSync(`${stem}.finish`, "");
    await page.locator('body[data-run-status="succeeded"]').waitFor({ timeout: 60_000 });
    await page.locator('body[data-conn="ended"]').waitFor({ timeout: 10_000 });
    expect(await page.locator("details.task").count()).toBe(3);
    expect(await page.locator('details.task[data-status="done"]').count()).toBe(3);
    expect(await page.locator("#tasks-done").textContent()).toBe("3/3 done");
    expect(await page.locator("#tokens").textContent()).toBe("3,000 in / 600 out");
    expect(await page.locator("#cost").textContent()).toBe("$0.0180");
    expect(await page.locator("#status").textContent()).toBe("succeeded");
    // The newest task is the one open; its commit is shown.
    expect(await page.locator("details.task[open]").getAttribute("data-index")).toBe("2");
    expect(await page.locator('details.task[data-index="2"] .sha').first().textContent()).toMatch(
      /^[0-9a-f]{40}$/,
    );
    expect(await page.evaluate("window.__sameDocument")).toBe("yes");
    expect(problems).toEqual([]);
    await page.close();

    // The finished comment and the PR link the page too.
    const job = await world.waitForJob(runId);
    expect(job.state).toBe("completed");
    const finished = world.gh
      .issueComments(repo, issue.number)
      .find((c) => c.body.includes(`run \`${runId}\`: ✅ succeeded`));
    expect(finished?.body).toContain(`Live run page: ${link}`);
    const pr = world.gh.pulls(repo).at(-1);
    expect(pr?.body).toContain(`Live run page: ${link}`);
  }, 90_000);

  it("loads a finished 500-task run collapsed by task, hostile text shown as text", async () => {
    const runId = `rpage500${randomBytes(4).toString("hex")}`;
    const events = syntheticRun(runId, 500, 300);
    const store = new RedisRunLogStore(world.redis, world.prefix);
    for (let i = 0; i < events.length; i += 500) await store.append(runId, events.slice(i, i + 500));
    const url = signRunPageUrl({ publicUrl: world.serve.url, runId, key: E2E_SIGNING_KEY });

    const { page, problems } = await openPage();
    const t0 = Date.now();
    await page.goto(url);
    await page.locator('body[data-conn="ended"]').waitFor({ timeout: 30_000 });
    await until(page, `document.body.dataset.events === "${events.length}"`, 30_000);
    const loadMs = Date.now() - t0;
    process.stdout.write(
      `run page: a finished 500-task run (${events.length} events) loaded in ${loadMs} ms\n`,
    );
    expect(loadMs).toBeLessThan(20_000);

    expect(await page.locator("details.task").count()).toBe(500);
    // Collapsed by task: only the newest is open, and only its rows are in the page, capped.
    expect(await page.locator("details.task[open]").count()).toBe(1);
    expect(await page.locator("details.task[open]").getAttribute("data-index")).toBe("499");
    expect(await page.locator(".row").count()).toBe(200);
    const more = page.locator('details.task[data-index="499"] button.showall');
    expect(await more.isVisible()).toBe(true);
    expect(await page.locator("#status").textContent()).toBe("succeeded");
    expect(await page.locator("#tasks-done").textContent()).toBe("500/500 done");

    // Literal text: titles, the playbook, rows, verify output, files, the closing message.
    expect(await page.locator('details.task[data-index="0"] .title').textContent()).toBe(
      `Task 1: fix ${EVIL_IMG}`,
    );
    expect(await page.locator("#facts").textContent()).toContain(`playbook big ${EVIL_SCRIPT}`);
    await page.locator('details.task[data-index="0"] > summary').click();
    const first = page.locator('details.task[data-index="0"]');
    await first.locator(".row").first().waitFor();
    expect(await first.locator(".row .text").allTextContents()).toContain(
      `Looking at ${EVIL_IMG} and ${EVIL_SCRIPT}`,
    );
    expect(await first.locator(".verify pre").textContent()).toBe(`ok ${EVIL_IMG}\n`);
    expect(await first.locator(".files").textContent()).toContain(`src/${EVIL_IMG}.ts`);
    expect(await first.locator(".summary").textContent()).toBe(`Did it ${EVIL_SCRIPT}`);

    // "Show all" puts every row of the long task in the page.
    await more.click();
    await until(
      page,
      `document.querySelectorAll('details.task[data-index="499"] .row').length === ${7 + 300}`,
    );

    // Nothing ran: no handler fired, no element came from the text, the javascript: PR URL is no link.
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    expect(await page.locator("#links a").count()).toBe(1);
    expect(await page.locator("#links a").getAttribute("href")).toBe(
      `/maestro/runs/${runId}.jsonl${new URL(url).search}`,
    );
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("refuses unsigned, tampered and foreign links to the page and its stream", async () => {
    const base = world.serve.url;
    const good = new URL(signRunPageUrl({ publicUrl: base, runId: "rsomerun1", key: E2E_SIGNING_KEY }));
    const other = new URL(
      signRunPageUrl({ publicUrl: base, runId: "rsomerun1", key: "another-key-entirely!" }),
    );
    expect(await statusOf(`${base}/maestro/runs/rsomerun1`)).toBe(403);
    expect(await statusOf(`${base}/maestro/runs/rsomerun1/events`)).toBe(403);
    expect(await statusOf(`${base}/maestro/runs/rotherrun${good.search}`)).toBe(403);
    expect(await statusOf(`${base}/maestro/runs/rsomerun1${other.search}`)).toBe(403);
    const ok = await fetch(good);
    await ok.arrayBuffer();
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'sha256-/);
    expect(ok.headers.get("referrer-policy")).toBe("no-referrer");
  });
});

/** A finished run of `tasks` tasks (8 events each) with hostile text in every field a person wrote or an agent
 * printed; the last task has `extraRows` more messages. */
function syntheticRun(runId: string, tasks: number, extraRows: number): RunEvent[] {
  const t0 = Date.parse("2026-11-25T10:00:00Z");
  let seq = 0;
  const out: RunEvent[] = [];
  const add = (e: Record<string, unknown>) =>
    out.push({ v: 1, ts: new Date(t0 + seq * 50).toISOString(), runId, seq: seq++, ...e } as RunEvent);
  add({
    type: "run.started",
    playbook: `big ${EVIL_SCRIPT}`,
    repo: "octo-org/big",
    baseRef: "main",
    branch: "maestro/big",
    agent: "command",
    trigger: { kind: "comment", actor: "alice" },
    tasksTotal: tasks,
  });
  for (let i = 0; i < tasks; i++) {
    add({ type: "task.started", index: i, text: `Task ${i + 1}: fix ${EVIL_IMG}` });
    add({
      type: "agent.message",
      index: i,
      role: "assistant",
      text: `Looking at ${EVIL_IMG} and ${EVIL_SCRIPT}`,
    });
    add({
      type: "agent.tool",
      index: i,
      name: "Bash",
      input: JSON.stringify({ command: `echo '${EVIL_IMG}'` }),
    });
    if (i === tasks - 1)
      for (let r = 0; r < extraRows; r++)
        add({ type: "agent.message", index: i, role: "assistant", text: `line ${r} ${EVIL_SCRIPT}` });
    add({
      type: "agent.usage",
      index: i,
      inputTokens: 1000,
      outputTokens: 100,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.01,
    });
    add({
      type: "task.verify",
      index: i,
      command: `npm test ${EVIL_SCRIPT}`,
      exitCode: 0,
      durationMs: 1200,
      outputTail: `ok ${EVIL_IMG}\n`,
    });
    add({
      type: "task.committed",
      index: i,
      sha: (i.toString(16) + "a".repeat(40)).slice(0, 40),
      filesChanged: 1,
      files: [{ path: `src/${EVIL_IMG}.ts`, added: 3, deleted: 1 }],
    });
    add({ type: "agent.message", index: i, role: "assistant", text: `Did it ${EVIL_SCRIPT}` });
    add({
      type: "task.finished",
      index: i,
      status: "done",
      durationMs: 4000,
      costUsd: 0.01,
      filesChanged: 1,
      summary: `Did it ${EVIL_SCRIPT}`,
    });
  }
  add({
    type: "run.finished",
    status: "succeeded",
    tasksDone: tasks,
    tasksTotal: tasks,
    costUsd: tasks * 0.01,
    tokens: { input: tasks * 1000, output: tasks * 100, cacheRead: 0, cacheWrite: 0 },
    durationMs: tasks * 4000,
    prUrl: "javascript:window.__pwned=3",
  });
  return out;
}

/** The status of a GET, its body read (an unread body would hold the connection open). */
async function statusOf(url: string | URL): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}
