// The sandbox's cost (TARGETS.md: ≤ 50 ms per agent session or verify command), side by side in one run:
//   - one session: the same `sh -c WRITE_ONE_FILE` spawned and reaped by runManagedProcess on the host, and
//     in the run's sandbox (the agent's git view rebuilt, bwrap with its namespaces and mounts, the socat relay
//     started and awaited); interleaved, so both see the same machine;
//   - the parts: refreshGit alone, and bwrap with no relay;
//   - whole engine runs (10 tasks, no push) with and without the sandbox: the per-task difference.
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { runManagedProcess } from "../src/agents/process.js";
import { probeSandbox } from "../src/sandbox/probe.js";
import { RunSandbox, type SandboxSetup } from "../src/sandbox/run-sandbox.js";
import { bwrapArgs } from "../src/sandbox/mounts.js";
import { createWorktree, removeWorktree } from "../src/git/worktree.js";
import { trustedGitDir } from "../src/git/worktree-git.js";
import { engineRun, makeRepo, WRITE_ONE_FILE } from "./lib/engine-run.js";
import { fmt, median, percentile } from "./lib/stats.js";

const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", MAESTRO_TASK_INDEX: "0" };

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function spawnOnce(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const r = await runManagedProcess({ command, args, env, cwd, timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderrTail}`);
}

export async function benchSandbox(rounds: number): Promise<string> {
  const probe = await probeSandbox();
  if (!probe.ok) throw new Error(`the sandbox cannot start here: ${probe.problem}`);
  const setup: SandboxSetup = {
    bwrap: probe.bwrap,
    socat: probe.socat,
    policy: { mode: "on", allowHosts: [], readPaths: [], agentPermissions: "full" },
  };
  const repo = makeRepo();
  const wtPath = path.join(os.tmpdir(), `maestro-bench-sbx-${process.pid}`);
  const wt = await createWorktree({
    repoDir: repo.dir,
    worktreePath: wtPath,
    branch: "bench-sbx",
    baseRef: "main",
  });
  const sandbox = await RunSandbox.open({
    ...setup,
    worktree: wt.path,
    gitDir: trustedGitDir(wt.path),
    agent: "command",
    env: ENV,
  });
  const opens: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const s = await RunSandbox.open({
      ...setup,
      worktree: wt.path,
      gitDir: trustedGitDir(wt.path),
      agent: "command",
      env: ENV,
    });
    opens.push(performance.now() - t0);
    await s.close();
  }
  const host: number[] = [];
  const boxed: number[] = [];
  const refresh: number[] = [];
  const bare: number[] = [];
  try {
    const spec = { command: "sh", args: ["-c", WRITE_ONE_FILE], env: ENV };
    const bareArgs = [...bwrapArgs({ writable: [wt.path], readOnly: [], fileOverlays: [] }, wt.path), "--"];
    for (let i = 0; i < rounds + 3; i++) {
      const h = await timed(() => spawnOnce(spec.command, spec.args, spec.env, wt.path));
      const r = await timed(() => sandbox.refreshGit());
      const b = await timed(() => {
        const w = sandbox.wrap(spec);
        return spawnOnce(w.command, w.args, w.env, wt.path);
      });
      const n = await timed(() =>
        spawnOnce(probe.bwrap, [...bareArgs, "sh", "-c", WRITE_ONE_FILE], ENV, wt.path),
      );
      if (i < 3) continue; // warm-up
      host.push(h);
      refresh.push(r);
      boxed.push(r + b);
      bare.push(n);
    }
  } finally {
    await sandbox.close();
    await removeWorktree(repo.dir, wt.path).catch(() => undefined);
    fs.rmSync(wtPath, { recursive: true, force: true });
  }

  const runs = Math.max(3, Math.ceil(rounds / 10));
  const offRuns: number[] = [];
  const onRuns: number[] = [];
  for (let i = 0; i < runs; i++) {
    offRuns.push((await engineRun({ tasks: 10, push: false })).wallMs);
    onRuns.push((await engineRun({ tasks: 10, push: false, sandbox: setup })).wallMs);
  }
  repo.cleanup();

  const d = median(boxed) - median(host);
  const perTask = (median(onRuns) - median(offRuns)) / 10;
  return [
    `${rounds} interleaved rounds after 3 warm-up, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}, ${probe.version}:`,
    "",
    "| one session of `sh -c` writing one file | median ms | p90 ms |",
    "| --- | ---: | ---: |",
    `| on the host (runManagedProcess) | ${fmt(median(host), 1)} | ${fmt(percentile(host, 90), 1)} |`,
    `| in the run's sandbox (git view rebuilt + bwrap + socat relay) | ${fmt(median(boxed), 1)} | ${fmt(percentile(boxed, 90), 1)} |`,
    `| of which: the agent's git view (refreshGit) | ${fmt(median(refresh), 1)} | ${fmt(percentile(refresh, 90), 1)} |`,
    `| bwrap alone, same mounts of the worktree, no relay | ${fmt(median(bare), 1)} | ${fmt(percentile(bare, 90), 1)} |`,
    `| once per run: the sandbox opened (private dirs, proxy and relay sockets) | ${fmt(median(opens), 1)} | ${fmt(percentile(opens, 90), 1)} |`,
    "",
    `**Sandbox cost per session: ${fmt(d, 1)} ms** (median in the sandbox − median on the host; target ≤ 50 ms).`,
    "",
    `Engine, 10-task runs without push, ${runs} of each interleaved: ${fmt(median(offRuns))} ms without the sandbox, ` +
      `${fmt(median(onRuns))} ms with it: **${fmt(perTask, 1)} ms per task** more.`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchSandbox(Number(process.env.BENCH_REPEATS ?? 30)).then(
    (md) => process.stdout.write(`${md}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
