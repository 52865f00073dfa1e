// Time to agent start (TARGETS.md: working copy ready ≤ 0.2× `git clone --depth 1`, ≤ 1/30 of a full
// clone; disk per concurrent run ≤ 1/5 of a full clone). A large generated repository (bench/big-repo.ts)
// is served over smart HTTP on loopback; each repeat pushes one new commit to main, then measures side by side:
//   - Maestro, warm mirror: ensureMirror (fetch) + runPlaybook until the agent is about to be spawned,
//     with a fresh `git worktree add` (no pool) and with the worktree pool (an idle slot reset);
//   - the CI-job path: `git clone --depth 1` and a full `git clone` of the same URL.
// Disk per extra concurrent run: a worktree (its files + its index) against a clone (`du -s`).
import { benchSandboxSetup } from "./lib/sandbox-setup.js";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { AgentAdapter, AgentResult } from "../src/agents/types.js";
import { runPlaybook } from "../src/engine/run-playbook.js";
import { ensureMirror } from "../src/git/mirror.js";
import { WorktreePool, worktreePoolDir } from "../src/git/worktree-pool.js";
import { parsePlaybook } from "../src/playbooks/parse.js";
import { RunLogWriter } from "../src/runlog/writer.js";
import { bigRepoParams, ensureBigRepo, filePath, type BigRepoParams } from "./big-repo.js";
import { startGitHttpServer } from "./git-http.js";
import { writePlot } from "./lib/svg.js";

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };
const git = async (cwd: string, ...args: string[]) =>
  (await run("git", args, { cwd, env: gitEnv, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
const log = (m: string) => console.error(`[agent-start] ${m}`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function duKiB(...paths: string[]): Promise<number> {
  const { stdout } = await run("du", ["-s", "-k", "-c", ...paths]);
  return Number(/(\d+)\s+total/.exec(stdout)?.[1] ?? 0);
}

/** One new commit on main in the served repo (one file rewritten), as the base moves between runs. */
async function pushCommit(repo: string, n: number, p: BigRepoParams): Promise<void> {
  const body = `bench change ${n} at ${Date.now()}\n`;
  const stream =
    `commit refs/heads/main\ncommitter Bench <bench@example.com> ${Math.floor(Date.now() / 1000)} +0000\n` +
    `data 13\nbench commit\n\nfrom refs/heads/main^0\n` +
    `M 100644 inline ${filePath((n * 7919) % p.files)}\ndata ${Buffer.byteLength(body)}\n${body}\ndone\n`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn("git", ["fast-import", "--quiet", "--done"], { cwd: repo, env: gitEnv });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`fast-import exited ${code}`))));
    child.stdin.end(stream);
  });
}

/** Times until the engine is about to spawn the agent, then lets the run finish at once. */
function timingAdapter(): { adapter: AgentAdapter; startedAt: () => number } {
  let at = 0;
  const adapter: AgentAdapter = {
    name: "command",
    buildInvocation: () => ({ command: "true", args: [] }),
    run: async (opts): Promise<AgentResult> => {
      // In the sandbox (BENCH_SANDBOX=1): the session's git view and bwrap's argv are made before the spawn.
      if (opts.sandbox) {
        await opts.sandbox.refreshGit();
        opts.sandbox.wrap({ command: "true", args: [], env: {} });
      }
      at ||= performance.now();
      return {
        status: "ok",
        exitCode: 0,
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      };
    },
  };
  return { adapter, startedAt: () => at };
}

interface Ctx {
  dataDir: string;
  url: string;
  pool: WorktreePool;
}

let runCounter = 0;

/** Maestro's path: fetch the warm mirror, then runPlaybook up to the agent; returns [ready ms, teardown ms]. */
async function maestroRun(ctx: Ctx, usePool: boolean): Promise<[number, number]> {
  const runId = `rbench${process.pid}x${++runCounter}`;
  const t0 = performance.now();
  const mirror = await ensureMirror({
    dataDir: ctx.dataDir,
    owner: "bench",
    repo: "big",
    remoteUrl: ctx.url,
  });
  const timing = timingAdapter();
  const sandbox = await benchSandboxSetup();
  const runLog = RunLogWriter.open({ path: path.join(ctx.dataDir, "runs", `${runId}.jsonl`), runId });
  const result = await runPlaybook({
    runId,
    repoDir: mirror,
    worktreesDir: path.join(ctx.dataDir, "worktrees"),
    ...(usePool ? { worktreePool: ctx.pool } : {}),
    playbook: parsePlaybook("- [ ] One task\n", { name: "bench" }),
    baseRef: "refs/remotes/origin/main",
    branch: `maestro/bench-${runId}`,
    agent: "command",
    verify: [],
    limits: { taskTimeoutMs: 600_000, runTimeoutMs: 600_000 },
    onTaskFailure: "stop",
    protectedPaths: [],
    trigger: { kind: "bench", actor: "bench" },
    repoLabel: "bench/big",
    author: { name: "Maestro", email: "maestro@example.com" },
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    log: runLog,
    adapter: timing.adapter,
    ...(sandbox ? { sandbox } : {}),
  });
  const t1 = performance.now();
  runLog.close();
  if (result.status !== "succeeded") throw new Error(`bench run ${result.status}: ${result.error ?? ""}`);
  await git(mirror, "branch", "-D", "-q", result.branch);
  return [timing.startedAt() - t0, t1 - timing.startedAt()];
}

async function cloneRun(url: string, into: string, shallow: boolean): Promise<number> {
  fs.rmSync(into, { recursive: true, force: true });
  const t0 = performance.now();
  await run("git", ["clone", "--quiet", ...(shallow ? ["--depth", "1"] : []), url, into], { env: gitEnv });
  return performance.now() - t0;
}

export interface AgentStartResult {
  params: BigRepoParams;
  repeats: number;
  ms: { worktreeAdd: number; pool: number; shallow: number; full: number; fetchOnly: number };
  teardownMs: { worktreeAdd: number; pool: number };
  diskKiB: { worktree: number; shallow: number; full: number; mirror: number };
  packMiB: number;
  files: number;
}

export async function measureAgentStart(repeats: number, p = bigRepoParams()): Promise<AgentStartResult> {
  const repo = await ensureBigRepo(p, log);
  const tipFile = path.join(repo, "maestro-bench-tip");
  if (!fs.existsSync(tipFile))
    fs.writeFileSync(tipFile, `${await git(repo, "rev-parse", "refs/heads/main")}\n`);
  // Each bench run starts from the generated tip; its own commits are dropped here.
  await git(repo, "update-ref", "refs/heads/main", fs.readFileSync(tipFile, "utf8").trim());

  const work = path.join(path.dirname(repo), "work");
  const dataDir = path.join(path.dirname(repo), "maestro-data");
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(path.join(dataDir, "worktrees"), { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const server = await startGitHttpServer(path.dirname(repo));
  const url = `${server.url}/${path.basename(repo)}`;
  try {
    const mirror = path.join(dataDir, "mirrors", "bench", "big.git");
    if (fs.existsSync(mirror)) await git(mirror, "worktree", "prune");
    log(`warming the mirror cache (first time: a full fetch) ...`);
    const tw = performance.now();
    await ensureMirror({ dataDir, owner: "bench", repo: "big", remoteUrl: url });
    log(`mirror ready in ${((performance.now() - tw) / 1000).toFixed(1)} s`);
    const pool = new WorktreePool({
      repoDir: mirror,
      dir: worktreePoolDir(dataDir, "bench", "big"),
      size: 1,
    });
    const ctx: Ctx = { dataDir, url, pool };
    // Warm-up: the pool's first slot is a fresh add, and the page cache sees the served pack once.
    await maestroRun(ctx, true);
    await cloneRun(url, path.join(work, "shallow"), true);

    const t = {
      worktreeAdd: [] as number[],
      pool: [] as number[],
      shallow: [] as number[],
      full: [] as number[],
    };
    const down = { worktreeAdd: [] as number[], pool: [] as number[] };
    const fetchOnly: number[] = [];
    for (let i = 0; i < repeats; i++) {
      await pushCommit(repo, i * 4, p);
      const [a, ad] = await maestroRun(ctx, false);
      t.worktreeAdd.push(a);
      down.worktreeAdd.push(ad);
      await pushCommit(repo, i * 4 + 1, p);
      const [b, bd] = await maestroRun(ctx, true);
      t.pool.push(b);
      down.pool.push(bd);
      await pushCommit(repo, i * 4 + 2, p);
      const tf = performance.now();
      await ensureMirror({ dataDir, owner: "bench", repo: "big", remoteUrl: url });
      fetchOnly.push(performance.now() - tf);
      t.shallow.push(await cloneRun(url, path.join(work, "shallow"), true));
      t.full.push(await cloneRun(url, path.join(work, "full"), false));
      log(
        `repeat ${i + 1}/${repeats}: add ${a.toFixed(0)} ms, pool ${b.toFixed(0)} ms, shallow ${t.shallow[i]!.toFixed(0)} ms, full ${t.full[i]!.toFixed(0)} ms`,
      );
    }

    // Disk of one more concurrent run: a pool slot (files + its index in the mirror) against the clones.
    const slot = await pool.acquire({ branch: "maestro/bench-disk", baseRef: "refs/remotes/origin/main" });
    const admin = (await git(slot.path, "rev-parse", "--absolute-git-dir")).trim();
    const diskKiB = {
      worktree: await duKiB(slot.path, admin),
      shallow: await duKiB(path.join(work, "shallow")),
      full: await duKiB(path.join(work, "full")),
      mirror: await duKiB(mirror),
    };
    await pool.release(slot);
    await git(mirror, "branch", "-D", "-q", "maestro/bench-disk");
    const packKiB = await duKiB(path.join(repo, "objects", "pack"));
    return {
      params: p,
      repeats,
      ms: {
        worktreeAdd: median(t.worktreeAdd),
        pool: median(t.pool),
        shallow: median(t.shallow),
        full: median(t.full),
        fetchOnly: median(fetchOnly),
      },
      teardownMs: { worktreeAdd: median(down.worktreeAdd), pool: median(down.pool) },
      diskKiB,
      packMiB: packKiB / 1024,
      files: Number(
        await git(repo, "ls-tree", "-r", "--name-only", "main").then((s) => s.split("\n").length),
      ),
    };
  } finally {
    await server.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
const fmtMiB = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const ratio = (a: number, b: number) => (a / b).toFixed(3);

export function renderAgentStart(r: AgentStartResult): string {
  const { ms, diskKiB: d } = r;
  const okShallow = ms.pool <= 0.2 * ms.shallow;
  const okFull = ms.pool <= ms.full / 30;
  const okDisk = d.worktree <= d.full / 5;
  return [
    `Repository: ${r.files} files, ${r.params.commits} commits, ${r.packMiB.toFixed(0)} MiB packed, served by \`git http-backend\` on loopback. ` +
      `Medians of ${r.repeats} repeats; each repeat first pushes one new commit to \`main\`.`,
    "",
    "| path | until the agent is spawned | × `clone --depth 1` | × full clone |",
    "| --- | ---: | ---: | ---: |",
    `| Maestro, warm mirror: fetch + **pooled worktree** (idle slot reset) | ${fmtMs(ms.pool)} | ${ratio(ms.pool, ms.shallow)} | ${ratio(ms.pool, ms.full)} (1/${(ms.full / ms.pool).toFixed(0)}) |`,
    `| Maestro, warm mirror: fetch + fresh \`git worktree add\` | ${fmtMs(ms.worktreeAdd)} | ${ratio(ms.worktreeAdd, ms.shallow)} | ${ratio(ms.worktreeAdd, ms.full)} |`,
    `| CI job: \`git clone --depth 1\` | ${fmtMs(ms.shallow)} | 1 | ${ratio(ms.shallow, ms.full)} |`,
    `| CI job: \`git clone\` (full) | ${fmtMs(ms.full)} | ${ratio(ms.full, ms.shallow)} | 1 |`,
    "",
    `The warm mirror's fetch (one new commit) alone: ${fmtMs(ms.fetchOnly)}. Not counted above, the rest of the run once the ` +
      `agent is done (commit the task, run log, give the working copy back): ${fmtMs(r.teardownMs.pool)} with the pool (detach + ` +
      `\`clean\`), ${fmtMs(r.teardownMs.worktreeAdd)} with \`git worktree remove\`.`,
    "",
    "| disk | `du -s` | × full clone |",
    "| --- | ---: | ---: |",
    `| per extra concurrent run: one worktree (files + its index) | ${fmtMiB(d.worktree)} | ${ratio(d.worktree, d.full)} |`,
    `| per extra concurrent run, CI: \`clone --depth 1\` | ${fmtMiB(d.shallow)} | ${ratio(d.shallow, d.full)} |`,
    `| per extra concurrent run, CI: full clone | ${fmtMiB(d.full)} | 1 |`,
    `| once per repository on a worker: the mirror | ${fmtMiB(d.mirror)} | ${ratio(d.mirror, d.full)} |`,
    "",
    `Targets: working copy ≤ 0.2× \`clone --depth 1\` — ${okShallow ? "**met**" : "**not met**"} (${ratio(ms.pool, ms.shallow)}); ` +
      `≤ 1/30 of a full clone — ${okFull ? "**met**" : "**not met**"} (1/${(ms.full / ms.pool).toFixed(0)}); ` +
      `disk per concurrent run ≤ 1/5 of a full clone — ${okDisk ? "**met**" : "**not met**"} (${ratio(d.worktree, d.full)}).`,
  ].join("\n");
}

/** A horizontal bar chart of the four paths, hand-written SVG. */
export function agentStartSvg(r: AgentStartResult): string {
  const rows: Array<[string, number, string]> = [
    ["Maestro: fetch + pooled worktree", r.ms.pool, "#2da44e"],
    ["Maestro: fetch + worktree add", r.ms.worktreeAdd, "#57ab5a"],
    ["git clone --depth 1", r.ms.shallow, "#8c959f"],
    ["git clone (full)", r.ms.full, "#57606a"],
  ];
  const max = Math.max(...rows.map((x) => x[1]));
  const W = 760;
  const labelW = 250;
  const barMax = W - labelW - 90;
  const rowH = 34;
  const top = 40;
  const H = top + rows.length * rowH + 30;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = rows
    .map(([label, ms, color], i) => {
      const y = top + i * rowH;
      const w = Math.max(2, (ms / max) * barMax);
      return (
        `  <text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(label)}</text>\n` +
        `  <rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="20" fill="${color}"/>\n` +
        `  <text x="${(labelW + w + 6).toFixed(1)}" y="${y + 19}">${esc(fmtMs(ms))}</text>`
      );
    })
    .join("\n");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">\n` +
    `  <rect width="${W}" height="${H}" fill="#fff"/>\n` +
    `  <text x="12" y="22" font-size="15" font-weight="bold">Time to agent start (median, ${r.files} files, ${r.packMiB.toFixed(0)} MiB history, smart HTTP on loopback)</text>\n` +
    `${bars}\n` +
    `  <text x="12" y="${H - 10}" fill="#57606a">Maestro: warm mirror cache, one new commit fetched per run. Lower is better.</text>\n` +
    `</svg>\n`
  );
}

export async function benchAgentStart(repeats = 5): Promise<string> {
  const r = await measureAgentStart(repeats);
  const plot = writePlot("agent-start", agentStartSvg(r));
  fs.writeFileSync(
    path.join(os.tmpdir(), "maestro-bench-agent-start.json"),
    `${JSON.stringify(r, null, 2)}\n`,
  );
  return `${renderAgentStart(r)}\n\n![Time to agent start](${plot})`;
}
