// A preload (`node --import`, made plain JS by plainPreload) for the CLI-overhead benchmark: records, in the
// measured CLI's own process, when each child process was started and when it closed, and when the process
// itself started and ended, as epoch milliseconds, into the file named by BENCH_SPAWN_LOG at exit. It works
// the same for an ESM CLI (Maestro) and a CommonJS bundle (RunMaestro's maestro-cli): both reach the same
// node:child_process object. Nothing else is changed; the cost is two clock reads per child.
import childProcess, { type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { promisify } from "node:util";

export interface SpawnRecord {
  /** The command and its arguments (joined by spaces). */
  file: string;
  args: string;
  start: number;
  end?: number;
  /** The synchronous part of the call (the event loop is blocked meanwhile), ms. */
  syncMs: number;
}

export interface SpawnLog {
  /** When the process started (performance.timeOrigin) and when it exited, epoch ms. */
  processStart: number;
  /** When this preload ran: node's own bootstrap is done. */
  preload: number;
  exit: number;
  spawns: SpawnRecord[];
}

const out = process.env.BENCH_SPAWN_LOG;
if (out) {
  const now = () => performance.timeOrigin + performance.now();
  const log: SpawnLog = { processStart: performance.timeOrigin, preload: now(), exit: 0, spawns: [] };
  const wrap = <F extends (...a: never[]) => ChildProcess>(orig: F): F =>
    function (this: unknown, ...a: unknown[]) {
      const t0 = now();
      const child = (orig as unknown as (...x: unknown[]) => ChildProcess).apply(this, a);
      const args = Array.isArray(a[1]) ? (a[1] as unknown[]).map(String).join(" ") : "";
      const rec: SpawnRecord = {
        file: String(a[0]),
        args,
        start: t0,
        syncMs: now() - t0,
      };
      log.spawns.push(rec);
      child.once("close", () => (rec.end = now()));
      return child;
    } as unknown as F;
  // The blocking ones (a CLI may run `git` with execSync): recorded whole, start to return.
  const wrapSync = <F extends (...a: never[]) => unknown>(orig: F): F =>
    function (this: unknown, ...a: unknown[]) {
      const t0 = now();
      const rec: SpawnRecord = {
        file: String(a[0]),
        args: Array.isArray(a[1]) ? a[1].join(" ") : "",
        start: t0,
        syncMs: 0,
      };
      log.spawns.push(rec);
      try {
        return (orig as unknown as (...x: unknown[]) => unknown).apply(this, a);
      } finally {
        rec.end = now();
        rec.syncMs = rec.end - t0;
      }
    } as unknown as F;
  // promisify(execFile) resolves to { stdout, stderr } through the original's promisify.custom: the wrapper
  // needs its own, or every promisified caller would get a bare string.
  const withPromisified = <F extends (...a: never[]) => ChildProcess>(w: F): F => {
    const custom = (...a: unknown[]) => {
      let child: ChildProcess | undefined;
      const p = new Promise((resolve, reject) => {
        child = (w as unknown as (...x: unknown[]) => ChildProcess)(
          ...a,
          (err: Error | null, stdout: unknown, stderr: unknown) =>
            err ? reject(Object.assign(err, { stdout, stderr })) : resolve({ stdout, stderr }),
        );
      });
      return Object.assign(p, { child });
    };
    Object.defineProperty(w, promisify.custom, { value: custom });
    return w;
  };
  childProcess.spawn = wrap(childProcess.spawn);
  childProcess.execFile = withPromisified(wrap(childProcess.execFile));
  childProcess.exec = withPromisified(wrap(childProcess.exec));
  childProcess.spawnSync = wrapSync(childProcess.spawnSync);
  childProcess.execSync = wrapSync(childProcess.execSync);
  childProcess.execFileSync = wrapSync(childProcess.execFileSync);
  syncBuiltinESMExports();
  process.once("exit", () => {
    log.exit = now();
    fs.writeFileSync(out, JSON.stringify(log));
  });
}
