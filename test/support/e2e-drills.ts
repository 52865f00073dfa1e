/**
 * Helpers for the failure drills (test/e2e/drill-*.test.ts), beside test/support/e2e-world.ts:
 * maestro processes in their own process group (so a drill can SIGKILL a whole worker the way a
 * crashed container dies), a private redis-server that a drill may kill and restart, process
 * liveness from /proc, and the drill agent's config (test/fixtures/agents/drill-agent.mjs).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { E2E_AGENT } from "./e2e-world.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "src/cli/bin.ts");
const TSX = path.join(ROOT, "node_modules/tsx/dist/loader.mjs");
export const DRILL_AGENT = path.join(path.dirname(E2E_AGENT), "drill-agent.mjs");

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  /** serve: http://127.0.0.1:PORT; worker: "" */
  url: string;
  output(): string;
  exited: Promise<number | string>;
  /** SIGKILL to the whole process group (the process and every child it has not put in a group of its own). */
  killGroup(): Promise<number | string>;
  /** SIGTERM and wait (SIGKILL to the group after 20 s). */
  stop(): Promise<number | string>;
}

/**
 * `maestro serve --port 0` or `maestro worker` from the sources, as the leader of a new process group.
 * `opts.args` go after the verb (`["--no-worker", "--port", "4000"]`: a --port there replaces the default 0); a serve
 * with `--no-worker` is ready once it serves, without a worker's start-up line.
 */
export async function spawnInGroup(
  kind: "serve" | "worker",
  env: Record<string, string>,
  opts: { args?: string[] } = {},
): Promise<GroupProcess> {
  const extra = opts.args ?? [];
  const frontOnly = kind === "serve" && extra.includes("--no-worker");
  const args = [
    "--import",
    TSX,
    BIN,
    kind,
    ...(kind === "serve" && !extra.includes("--port") ? ["--port", "0"] : []),
    ...extra,
  ];
  const child = spawn(process.execPath, args, {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    cwd: ROOT,
    detached: true,
  });
  let out = "";
  const onData = (c: Buffer) => (out += c.toString());
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`maestro ${kind} did not start in 30 s:\n${out}`)),
      30_000,
    );
    const check = () => {
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if ((frontOnly || /maestro worker: processing runs/.test(out)) && (kind === "worker" || m)) {
        clearTimeout(timer);
        resolve(m ? m[1]! : "");
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`maestro ${kind} exited (${code}) before it was ready:\n${out}`));
    });
  });
  const pid = child.pid!;
  const done = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid,
    url,
    output: () => out,
    exited,
    async killGroup() {
      killGroup(pid);
      return exited;
    },
    async stop() {
      if (done()) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => killGroup(pid), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export function killGroup(pgid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Running, as the kernel sees it: a zombie (dead, not yet reaped) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) S ...": the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The process group of pid, or null when it is gone. */
export function pgidOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return null;
  }
}

/** The parent pids of pid up to init, nearest first. */
export function ancestors(pid: number): number[] {
  const out: number[] = [];
  let p = pid;
  for (let i = 0; i < 64; i++) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
    } catch {
      break;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!ppid || ppid === p) break;
    out.push(ppid);
    p = ppid;
  }
  return out;
}

/** The number in a pid file the drill agent wrote, or null while it is not there. */
export function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** .github/maestro.yml running the drill agent with its state in stateDir. */
export function drillConfig(stateDir: string, extra = ""): string {
  return (
    [
      "agent: command",
      `agentCommand: ${JSON.stringify(`node ${DRILL_AGENT} ${stateDir}`)}`,
      "limits:",
      "  maxConcurrentRuns: 10",
      "  taskTimeoutMinutes: 5",
      extra,
    ].join("\n") + "\n"
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  pid(): number;
  /** SIGKILL: the process dies with no chance to save or flush anything more. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port and dir (it loads the append-only file). */
  start(): Promise<void>;
}

/**
 * A redis-server of one test's own, with append-only persistence (as a production Redis that must
 * not lose its queue), no RDB snapshots, on a free port.
 */
export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const p = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    let out = "";
    p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    exited = new Promise((r) => p.on("exit", () => r()));
    proc = p;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      const check = () => {
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      p.stdout!.on("data", check);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited:\n${out}`));
      });
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => proc!.pid!,
    async kill() {
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await exited;
      }
    },
    start,
  };
}

/** Polls fn every 100 ms until it returns a truthy value; throws `what` after timeoutMs. */
export async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs: number,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
