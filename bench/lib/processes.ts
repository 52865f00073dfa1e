// Child processes for the benchmarks: a server started with `node`, ready once it prints its URL.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const TSX_LOADER = path.join(ROOT, "node_modules/tsx/dist/loader.mjs");

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resident set size in bytes, from /proc (0 when gone). */
  rssBytes(): number;
  stop(): Promise<void>;
}

/** Spawns `node ...args` and waits until a line of its output matches `ready` (group 1 = URL). */
export async function startNodeProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  // Always drain both pipes: a full pipe would block the child and skew the measurement.
  child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  child.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`node ${args.join(" ")} did not get ready in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        child.stderr.off("data", check);
        resolve(m[1] ?? "");
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.once("exit", (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(" ")} exited (${code ?? sig}) before it was ready:\n${out}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    url,
    child,
    output: () => out,
    rssBytes: () => rssOf(child.pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** CPU time the process used so far (user + system), in ms, from /proc (0 when gone). */
export function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

export function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function rsaPrivateKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** dist/cli/bin.js, rebuilt with `npm run build` when src/ is newer. */
export function builtCli(): string {
  const bin = path.join(ROOT, "dist/cli/bin.js");
  if (!fs.existsSync(bin) || newestMtime(path.join(ROOT, "src")) > fs.statSync(bin).mtimeMs) {
    process.stderr.write("bench: building dist/ (npm run build)…\n");
    try {
      execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
    } catch {
      // tsc still emits on type errors (someone else's work in progress); dist is usable if bin.js is there.
      if (!fs.existsSync(bin)) throw new Error("npm run build did not produce dist/cli/bin.js");
    }
  }
  return bin;
}
