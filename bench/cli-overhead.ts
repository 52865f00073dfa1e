// `maestro run`'s own cost, side by side with RunMaestro's `maestro-cli run-doc` (the headless runner of the
// desktop Maestro): the same 3-task playbook, the same Claude Code binary, the same local fake Messages API,
// both CLIs started as their users start them (`node <cli> ...`), alternating, in one run.
//
// Each CLI process gets a preload (bench/lib/spawn-times.ts) that records when each child started and closed
// and when the process started and exited. From that, per run:
//   before  = process start (the benchmark's spawn call) → the first agent process starts
//   gap_i   = agent i closes → agent i+1 starts (one task's commit + the next task's setup)
//   after   = the last agent closes → the process has exited
//   per task = median gap;  fixed = before + after − per task  (so wall = agent time + fixed + n × per task)
// An "agent call" is a child process running the Claude Code binary (under bwrap with the sandbox).
// RunMaestro's default run makes a second agent call per task (the synopsis): it counts as agent time here.
//
// RunMaestro is not part of this repository: point RUNMAESTRO_DIR at a checkout with its CLI built
// (dist/cli/maestro-cli.js; see docs/benchmarks.md for the few commands). Without it, only Maestro is measured.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startFakeAnthropic, type RecordedRequest } from "../test/helpers/fake-anthropic.js";
import { bundleCli } from "./lib/bundle-cli.js";
import { plainPreload } from "./lib/plain-preload.js";
import { ROOT } from "./lib/processes.js";
import type { SpawnLog, SpawnRecord } from "./lib/spawn-times.js";
import { fmt, median } from "./lib/stats.js";

const CLAUDE = path.join(ROOT, "node_modules/.bin/claude");
const MAESTRO_BIN = path.join(ROOT, "bin/maestro.js");
const TASKS = 3;
const PLAYBOOK =
  "# Notes\n\n- [ ] Write the first notes file\n- [ ] Write the second notes file\n- [ ] Write the third notes file\n";
const SYNOPSIS = "**Summary:** Wrote a notes file for the task.\n\n**Details:** One new file, nothing else.";

/** One CLI set-up measured: Maestro from a checkout (this one by default) or RunMaestro's maestro-cli. */
interface Variant {
  key: string;
  label: string;
  cli: "maestro" | "runmaestro";
  /** The script node runs: bin/maestro.js, the bundle's entry, or dist/cli/maestro-cli.js. */
  bin: string;
  /** Maestro: the sandbox on (default: --no-sandbox). */
  sandbox?: boolean;
  /** RunMaestro: its synopsis call per task (its default; off with --no-synopsis). */
  synopsis?: boolean;
}

export interface RunSplit {
  wallMs: number;
  agentMs: number;
  agentCalls: number;
  /** Node's own start: the spawn call → the preload runs. */
  bootMs: number;
  beforeMs: number;
  gapsMs: number[];
  afterMs: number;
  perTaskMs: number;
  fixedMs: number;
  /** Children that are not the agent, by command (git, sh, which, …). */
  otherChildren: Record<string, number>;
}

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function workingDirectory(req: RecordedRequest): string {
  const system = req.body?.system as string | Array<{ text?: string }> | undefined;
  const text = typeof system === "string" ? system : (system ?? []).map((b) => b.text ?? "").join("\n");
  const m = /Primary working directory: (.+)/.exec(text);
  if (!m) throw new Error("fake Anthropic: no working directory in Claude Code's system prompt");
  return m[1]!.trim();
}

function lastUserText(req: RecordedRequest): string {
  return JSON.stringify((req.body?.messages ?? []).at(-1)?.content ?? "");
}

/**
 * Each session: one Write of a notes file (2 requests: the tool call, then "Done."). RunMaestro counts a task as
 * done when its box is ticked in the document, so its agent also ticks the next box (a Bash `sed`, in the same
 * response); its synopsis request gets a synopsis.
 */
function script(doc?: string) {
  let session = -1;
  return (req: RecordedRequest) => {
    const last = lastUserText(req);
    if (last.includes("tool_result")) return { text: "Done." };
    if (last.includes("Give a brief synopsis")) return { text: SYNOPSIS };
    session += 1;
    const write = {
      name: "Write",
      input: { file_path: path.join(workingDirectory(req), `n${session}.txt`), content: "x\n" },
    };
    if (!doc) return { text: "Writing.", toolUses: [write] };
    const tick = { name: "Bash", input: { command: `sed -i '0,/- \\[ \\]/s//- [x]/' '${doc}'` } };
    return { text: "Writing.", toolUses: [write, tick] };
  };
}

function claudeEnv(home: string, url: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: process.env.LANG ?? "C.UTF-8",
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: "fake",
    CLAUDE_CODE_MAX_RETRIES: "0",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CONFIG_DIR: path.join(home, ".claude"),
    // Claude Code refuses --dangerously-skip-permissions (RunMaestro's mode) as root unless told it is sandboxed.
    IS_SANDBOX: "1",
  };
}

function git(cwd: string, ...args: string[]): Promise<void> {
  return runChild("git", args, { cwd, env: process.env }).then(() => undefined);
}

interface ChildResult {
  start: number;
  end: number;
  code: number | null;
  out: string;
}

/** Async: the fake API lives in this process, so a blocking spawn would starve it. */
function runChild(
  file: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const start = performance.timeOrigin + performance.now();
    const child = spawn(file, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    // RunMaestro repeats a task until its box is ticked: never wait for ever.
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ start, end: performance.timeOrigin + performance.now(), code, out });
    });
  });
}

async function makeRepo(): Promise<string> {
  const repo = tmp("maestro-bench-ovh-repo-");
  await git(repo, "init", "-q", "-b", "main");
  await git(repo, "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "--allow-empty", "-m", "init");
  return repo;
}

function isAgent(s: SpawnRecord): boolean {
  return (
    s.file === CLAUDE || s.file.endsWith("/claude") || (s.file.endsWith("bwrap") && s.args.includes(CLAUDE))
  );
}

function split(r: ChildResult, log: SpawnLog): RunSplit {
  const agents = log.spawns.filter(isAgent).sort((a, b) => a.start - b.start);
  if (agents.length === 0 || agents.some((a) => a.end === undefined))
    throw new Error(`no finished agent call recorded:\n${r.out.slice(-3000)}`);
  // Tasks: RunMaestro's synopsis call follows its task's call; group by the agent calls that start a task.
  const perTask = agents.length / TASKS;
  const gapsMs: number[] = [];
  for (let t = 1; t < TASKS; t++) gapsMs.push(agents[t * perTask]!.start - agents[t * perTask - 1]!.end!);
  const innerGaps = agents
    .map((a, i) => (i > 0 && i % perTask !== 0 ? a.start - agents[i - 1]!.end! : 0))
    .reduce((x, y) => x + y, 0);
  const wallMs = r.end - r.start;
  const agentMs = agents.reduce((s, a) => s + (a.end! - a.start), 0) + innerGaps;
  const beforeMs = agents[0]!.start - r.start;
  const afterMs = r.end - agents.at(-1)!.end!;
  const g = median(gapsMs);
  const otherChildren: Record<string, number> = {};
  for (const s of log.spawns) {
    if (isAgent(s)) continue;
    const sub =
      s.file === "git" || s.file.endsWith("/git")
        ? (s.args.split(" ").find((a) => /^[a-z-]+$/.test(a) && a !== "-c") ?? "")
        : "";
    const key = `${path.basename(s.file.split(" ")[0]!)}${sub ? ` ${sub}` : ""}`;
    otherChildren[key] = (otherChildren[key] ?? 0) + 1;
  }
  return {
    wallMs,
    agentMs,
    agentCalls: agents.length,
    bootMs: log.preload - r.start,
    beforeMs,
    gapsMs,
    afterMs,
    perTaskMs: g,
    fixedMs: beforeMs + afterMs - g,
    otherChildren,
  };
}

async function runOnce(variant: Variant, preload: string): Promise<RunSplit> {
  const repo = await makeRepo();
  const work = tmp("maestro-bench-ovh-");
  const home = path.join(work, "home");
  fs.mkdirSync(home);
  const spawnLog = path.join(work, "spawns.json");
  const isOurs = variant.cli === "maestro";
  const doc = path.join(work, "docs", "notes.md");
  const fake = await startFakeAnthropic(script(isOurs ? undefined : doc));
  try {
    const env: NodeJS.ProcessEnv = { ...claudeEnv(home, fake.url), BENCH_SPAWN_LOG: spawnLog };
    let args: string[];
    if (isOurs) {
      const playbook = path.join(work, "notes.md");
      fs.writeFileSync(playbook, PLAYBOOK);
      env.MAESTRO_DATA_DIR = path.join(work, "data");
      env.MAESTRO_CLAUDE_CODE_BIN = CLAUDE;
      args = [variant.bin, "run", playbook, "--repo", repo, "--agent", "claude-code", "--format", "jsonl"];
      if (!variant.sandbox) args.push("--no-sandbox");
    } else {
      fs.mkdirSync(path.dirname(doc));
      fs.writeFileSync(doc, PLAYBOOK);
      const userData = path.join(work, "runmaestro");
      fs.mkdirSync(userData);
      const session = {
        id: "bench-agent-0001",
        name: "bench",
        toolType: "claude-code",
        cwd: repo,
        projectRoot: repo,
      };
      fs.writeFileSync(path.join(userData, "maestro-sessions.json"), JSON.stringify({ sessions: [session] }));
      fs.writeFileSync(
        path.join(userData, "maestro-agent-configs.json"),
        JSON.stringify({ configs: { "claude-code": { customPath: CLAUDE } } }),
      );
      env.MAESTRO_USER_DATA = userData;
      args = [variant.bin, "run-doc", doc, "--agent", session.id, "--json"];
      if (!variant.synopsis) args.push("--no-synopsis");
    }
    const r = await runChild(process.execPath, ["--import", preload, ...args], { cwd: repo, env });
    if (r.code !== 0) throw new Error(`${variant.label} exited with ${r.code}:\n${r.out.slice(-3000)}`);
    const log = JSON.parse(fs.readFileSync(spawnLog, "utf8")) as SpawnLog;
    const s = split(r, log);
    // Both must have done the work: 3 notes files (and for Maestro, 3 commits on the run branch).
    for (let i = 0; i < TASKS; i++) {
      const where = isOurs ? undefined : path.join(repo, `n${i}.txt`);
      if (where && !fs.existsSync(where)) throw new Error(`${variant.label}: n${i}.txt was not written`);
    }
    if (isOurs && !/"type":"run.finished"[^\n]*"status":"succeeded"/.test(r.out))
      throw new Error(`${variant.label}: the run did not succeed:\n${r.out.slice(-3000)}`);
    return s;
  } finally {
    await fake.close();
    fs.rmSync(repo, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The same session as one of Maestro's tasks (a Write, then "Done.": 2 requests), Claude Code spawned directly
 * with the flags Maestro gives it: what an agent call costs with no orchestrator around it.
 */
async function bareSession(): Promise<number> {
  const dir = await makeRepo();
  const home = tmp("maestro-bench-ovh-home-");
  const fake = await startFakeAnthropic(script());
  try {
    const args = ["-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "acceptEdits"];
    const r = await new Promise<ChildResult>((resolve, reject) => {
      const start = performance.timeOrigin + performance.now();
      const child = spawn(CLAUDE, args, {
        cwd: dir,
        env: claudeEnv(home, fake.url),
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      child.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
      child.once("error", reject);
      child.once("close", (code) =>
        resolve({ start, end: performance.timeOrigin + performance.now(), code, out }),
      );
      child.stdin.end("Write the first notes file.");
    });
    if (r.code !== 0 || !fs.existsSync(path.join(dir, "n0.txt")))
      throw new Error(`bare claude session failed (${r.code}):\n${r.out.slice(-2000)}`);
    return r.end - r.start;
  } finally {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function helpOnce(argv: string[]): Promise<number> {
  const r = await runChild(process.execPath, argv, { cwd: ROOT, env: process.env });
  if (r.code !== 0) throw new Error(`node ${argv.join(" ")} exited with ${r.code}:\n${r.out}`);
  return r.end - r.start;
}

function sandboxAvailable(): boolean {
  return process.env.BENCH_OVERHEAD_SANDBOX !== "0" && fs.existsSync("/usr/bin/bwrap");
}

/**
 * Extra Maestro checkouts to measure beside this one, each built (dist/): BENCH_OVERHEAD_CHECKOUTS="name=DIR,…",
 * e.g. the code before a change (`git archive <commit> | tar -x -C DIR`, node_modules linked, `npx tsc -p
 * tsconfig.build.json`). A name ending in "+bundle" measures that checkout bundled (into DIR/dist/bench-bundle).
 */
function extraCheckouts(): Array<{ name: string; dir: string; bundle: boolean }> {
  const spec = process.env.BENCH_OVERHEAD_CHECKOUTS ?? "";
  return spec
    .split(",")
    .filter(Boolean)
    .map((item) => {
      const eq = item.indexOf("=");
      const [name, dir] = eq > 0 ? [item.slice(0, eq), item.slice(eq + 1)] : [path.basename(item), item];
      if (!fs.existsSync(path.join(dir, "dist/cli/bin.js")))
        throw new Error(`BENCH_OVERHEAD_CHECKOUTS: ${dir} has no dist/cli/bin.js (build it first)`);
      return { name, dir: path.resolve(dir), bundle: name.endsWith("+bundle") };
    });
}

export async function benchCliOverhead(repeats = 5): Promise<string> {
  if (!fs.existsSync(path.join(ROOT, "dist/cli/bin.js")))
    throw new Error("cli-overhead measures the built CLI: run `npm run build` first");
  const notes: string[] = [];
  const variants: Variant[] = [
    { key: "maestro", label: "Maestro `maestro run --no-sandbox`", cli: "maestro", bin: MAESTRO_BIN },
  ];
  for (const c of extraCheckouts())
    variants.push({
      key: `maestro@${c.name}`,
      label: `Maestro \`maestro run --no-sandbox\`, ${c.name}${c.bundle ? " (bundled)" : ""}`,
      cli: "maestro",
      bin: c.bundle
        ? await bundleCli(c.dir, path.join(c.dir, "dist/bench-bundle"))
        : path.join(c.dir, "bin/maestro.js"),
    });
  if (process.env.BENCH_OVERHEAD_BUNDLE !== "0")
    variants.push({
      key: "maestro-bundled",
      label: "Maestro `maestro run --no-sandbox`, CLI bundled (bench/lib/bundle-cli.ts; not the build)",
      cli: "maestro",
      bin: await bundleCli(),
    });
  if (sandboxAvailable())
    variants.push({
      key: "maestro-sandbox",
      label: "Maestro `maestro run` (sandbox)",
      cli: "maestro",
      bin: MAESTRO_BIN,
      sandbox: true,
    });
  const runmaestroDir = process.env.RUNMAESTRO_DIR;
  const theirs = runmaestroDir ? path.join(runmaestroDir, "dist/cli/maestro-cli.js") : undefined;
  if (theirs && fs.existsSync(theirs)) {
    variants.push(
      {
        key: "runmaestro-no-synopsis",
        label: "RunMaestro `maestro-cli run-doc --no-synopsis`",
        cli: "runmaestro",
        bin: theirs,
      },
      {
        key: "runmaestro",
        label: "RunMaestro `maestro-cli run-doc` (default)",
        cli: "runmaestro",
        bin: theirs,
        synopsis: true,
      },
    );
  } else {
    notes.push(
      `RunMaestro not measured: ${runmaestroDir ? `${theirs} is missing (build its CLI)` : "RUNMAESTRO_DIR is not set"}; see docs/benchmarks.md.`,
    );
  }
  const only = process.env.BENCH_OVERHEAD_VARIANTS?.split(",");
  const selected = only ? variants.filter((v) => only.includes(v.key)) : variants;
  const preload = plainPreload("bench/lib/spawn-times.ts");

  // Start-up alone: each CLI's --help and a bare `node -e 0`, interleaved.
  const helpCmds: Array<[string, string[]]> = [["node -e 0", ["-e", "0"]]];
  for (const v of variants)
    if (v.cli === "maestro" && !v.sandbox) helpCmds.push([`${v.key} --help`, [v.bin, "--help"]]);
  if (theirs && fs.existsSync(theirs)) helpCmds.push(["maestro-cli --help", [theirs, "--help"]]);
  const help: Record<string, number[]> = Object.fromEntries(helpCmds.map(([k]) => [k, []]));
  const helpRounds = Number(process.env.BENCH_OVERHEAD_HELP_ROUNDS ?? 10);
  for (const [, argv] of helpCmds) await helpOnce(argv); // page cache
  for (let i = 0; i < helpRounds; i++) {
    const order = i % 2 === 0 ? helpCmds : [...helpCmds].reverse();
    for (const [k, argv] of order) help[k]!.push(await helpOnce(argv));
  }

  const runs: Record<string, RunSplit[]> = {};
  const bare: number[] = [];
  await runOnce(selected[0]!, preload); // warm the page cache of Claude Code
  // Each repeat starts one further along the list: over as many repeats as variants, each runs in every position.
  for (let i = 0; i < repeats; i++) {
    const k = i % selected.length;
    const order = [...selected.slice(k), ...selected.slice(0, k)];
    for (const v of order) (runs[v.key] ??= []).push(await runOnce(v, preload));
    bare.push(await bareSession());
  }

  const med = (key: string, f: (s: RunSplit) => number) => median(runs[key]!.map(f));
  const lines: string[] = [];
  lines.push("| start-up only | median (ms) | min–max |", "| --- | ---: | ---: |");
  for (const [k, xs] of Object.entries(help))
    lines.push(`| \`${k}\` | ${fmt(median(xs))} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} |`);
  lines.push(
    "",
    `${TASKS}-task playbook, medians of ${repeats} runs each (order rotated each repeat), ms:`,
    "",
    "| CLI | wall | agent calls (their time) | node start | before the 1st agent | after the last agent | **fixed** | **per task** |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const v of selected) {
    const k = v.key;
    lines.push(
      `| ${v.label} | ${fmt(med(k, (s) => s.wallMs))} | ${runs[k]![0]!.agentCalls} (${fmt(med(k, (s) => s.agentMs))}) | ` +
        `${fmt(med(k, (s) => s.bootMs))} | ${fmt(med(k, (s) => s.beforeMs))} | ${fmt(med(k, (s) => s.afterMs))} | ` +
        `**${fmt(med(k, (s) => s.fixedMs))}** | **${fmt(med(k, (s) => s.perTaskMs))}** |`,
    );
  }
  const perCall = (k: string) => fmt(med(k, (s) => s.agentMs / s.agentCalls));
  lines.push(
    "",
    `One agent call: a bare Claude Code session of the same script, spawned directly with Maestro's flags, ` +
      `${fmt(median(bare))} ms (median of ${bare.length}); inside a run: ` +
      selected
        .map((v) => `${v.label.replace(/^Maestro `maestro run[^`]*`, /, "")} ${perCall(v.key)}`)
        .join(", ") +
      " ms (RunMaestro's sessions also tick the box with a Bash `sed`; its default run adds a synopsis call per task).",
  );
  lines.push("", "Between one task's agent and the next (each run):", "");
  for (const v of selected)
    lines.push(
      `- ${v.label}: ${runs[v.key]!.map((s) => s.gapsMs.map((g) => fmt(g)).join(" / ")).join(", ")}`,
    );
  lines.push("", "Other child processes per run (first run of each):", "");
  for (const v of selected) {
    const c = runs[v.key]![0]!.otherChildren;
    lines.push(
      `- ${v.label}: ${
        Object.entries(c)
          .map(([k, n]) => `${k} ×${n}`)
          .join(", ") || "none"
      }`,
    );
  }
  lines.push("");
  const ratio = (a: string, b: string, f: (s: RunSplit) => number) => fmt(med(a, f) / med(b, f), 2);
  const helpRatio = (a: string, b: string) =>
    help[a] && help[b] ? `; \`--help\` ${fmt(median(help[a]) / median(help[b]), 2)}×` : "";
  for (const v of selected) {
    if (v.key === "maestro" || !runs.maestro || v.sandbox) continue;
    const other = v.cli === "maestro" ? v.label.replace(/^.*--no-sandbox`, /, "") : v.label;
    lines.push(
      `- this checkout / ${other}: fixed **${ratio("maestro", v.key, (s) => s.fixedMs)}×**, per task ` +
        `**${ratio("maestro", v.key, (s) => s.perTaskMs)}×**, before the 1st agent ${ratio("maestro", v.key, (s) => s.beforeMs)}×, ` +
        `wall ${ratio("maestro", v.key, (s) => s.wallMs)}×` +
        helpRatio("maestro --help", v.cli === "maestro" ? `${v.key} --help` : "maestro-cli --help"),
    );
  }
  const fixed = med("maestro", (s) => s.fixedMs);
  const per = med("maestro", (s) => s.perTaskMs);
  lines.push(
    "",
    `Targets (TARGETS.md): fixed ≤ 300 ms — **${fixed <= 300 ? "met" : "not met"}** (${fmt(fixed)} ms); ` +
      `per task beyond the agent ≤ 50 ms — **${per <= 50 ? "met" : "not met"}** (${fmt(per)} ms), --no-sandbox.`,
  );
  if (notes.length) lines.push("", ...notes);
  return lines.join("\n");
}

// Run directly: `npx tsx bench/cli-overhead.ts` (or `npm run bench -- cli-overhead`).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchCliOverhead(Number(process.env.BENCH_REPEATS ?? 5)));
  process.exit(0);
}
