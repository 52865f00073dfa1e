import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killProcessGroup, runManagedProcess } from "../../../src/agents/process.js";

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const cwd = tmpdir();

/** Alive = exists and is not a zombie (a container's PID 1 may be slow to reap re-parented children). */
function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const state = readFileSync(stat, "utf8").split(") ")[1]?.[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function allGone(pids: number[]): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (pids.every((p) => !alive(p))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function pidsFrom(lines: string[]): number[] {
  return lines.filter((l) => /^pid \d+$/.test(l)).map((l) => Number(l.slice(4)));
}

describe("runManagedProcess", () => {
  it("on timeout kills the whole process group (shell and both background children)", async () => {
    const lines: string[] = [];
    const r = await runManagedProcess({
      command: "sh",
      args: ["-c", 'echo "pid $$"; sleep 100 & echo "pid $!"; sleep 100 & echo "pid $!"; wait'],
      cwd,
      env,
      timeoutMs: 500,
      killGraceMs: 2000,
      onStdoutLine: (l) => lines.push(l),
    });
    const pids = pidsFrom(lines);
    expect(pids).toHaveLength(3);
    expect(r).toMatchObject({ timedOut: true, cancelled: false, exitCode: null, signal: "SIGTERM" });
    expect(await allGone(pids)).toBe(true);
  });

  it("on abort kills a group that ignores SIGTERM with SIGKILL after the grace period", async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const r = await runManagedProcess({
      command: "sh",
      args: ["-c", 'trap "" TERM; echo "pid $$"; sleep 100 & echo "pid $!"; sleep 100 & echo "pid $!"; wait'],
      cwd,
      env,
      timeoutMs: 60_000,
      signal: ac.signal,
      killGraceMs: 300,
      onStdoutLine: (l) => {
        lines.push(l);
        if (pidsFrom(lines).length === 3) ac.abort();
      },
    });
    const pids = pidsFrom(lines);
    expect(pids).toHaveLength(3);
    expect(r).toMatchObject({ cancelled: true, timedOut: false, signal: "SIGKILL" });
    expect(await allGone(pids)).toBe(true);
  });

  it("resolves when the child exits even if a grandchild keeps stdout open, and reaps that grandchild", async () => {
    const lines: string[] = [];
    const r = await runManagedProcess({
      command: "sh",
      args: ["-c", 'sleep 100 & echo "pid $!"; echo done'],
      cwd,
      env,
      timeoutMs: 60_000,
      onStdoutLine: (l) => lines.push(l),
    });
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
    expect(lines).toContain("done");
    expect(await allGone(pidsFrom(lines))).toBe(true);
  });

  it("splits lines across chunks: CRLF, a multi-byte character split between writes, a last line without newline", async () => {
    const lines: string[] = [];
    const errLines: string[] = [];
    const r = await runManagedProcess({
      command: "sh",
      args: [
        "-c",
        "printf 'one\\r\\ntw'; sleep 0.2; printf 'o\\n\\303'; sleep 0.2; printf '\\251t\\303\\251\\nlast'; printf 'oops\\n' >&2",
      ],
      cwd,
      env,
      timeoutMs: 60_000,
      onStdoutLine: (l) => lines.push(l),
      onStderrLine: (l) => errLines.push(l),
    });
    expect(r.exitCode).toBe(0);
    expect(lines).toEqual(["one", "two", "été", "last"]);
    expect(errLines).toEqual(["oops"]);
    expect(r.stdoutTail).toContain("été\nlast");
    expect(r.stderrTail).toBe("oops\n");
  });

  it("writes stdin and closes it; keeps only the tail of long output", async () => {
    const lines: string[] = [];
    const r = await runManagedProcess({
      command: "sh",
      args: ["-c", "cat; head -c 5000 /dev/zero | tr '\\0' x"],
      cwd,
      env,
      stdin: "from stdin\nsecond",
      timeoutMs: 60_000,
      tailBytes: 100,
      onStdoutLine: (l) => lines.push(l),
    });
    expect(r.exitCode).toBe(0);
    expect(lines[0]).toBe("from stdin");
    expect(lines[1]).toBe(`second${"x".repeat(5000)}`);
    expect(r.stdoutTail).toBe("x".repeat(100));
  });

  it("hands on a multi-megabyte line whole (large tool results arrive on one line)", async () => {
    const lengths: number[] = [];
    const r = await runManagedProcess({
      command: "sh",
      args: ["-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo; echo end"],
      cwd,
      env,
      timeoutMs: 60_000,
      onStdoutLine: (l) => lengths.push(l.length),
    });
    expect(r.exitCode).toBe(0);
    expect(lengths).toEqual([3_000_000, 3]);
  });

  it("reports a missing binary as spawnError naming the override variable, without throwing", async () => {
    const r = await runManagedProcess({
      command: "claude-does-not-exist-42",
      args: [],
      cwd,
      env,
      timeoutMs: 1000,
    });
    expect(r.spawnError).toBe(
      "agent binary 'claude-does-not-exist-42' not found on PATH; install it or set MAESTRO_<AGENT>_BIN",
    );
    const r2 = await runManagedProcess({ command: "/nowhere/claude", args: [], cwd, env, timeoutMs: 1000 });
    expect(r2.spawnError).toContain("MAESTRO_CLAUDE_CODE_BIN");
    expect(r2.exitCode).toBeNull();
  });

  it("reports a missing working directory clearly", async () => {
    const r = await runManagedProcess({
      command: "sh",
      args: ["-c", "true"],
      cwd: "/nonexistent/worktree",
      env,
      timeoutMs: 1000,
    });
    expect(r.spawnError).toBe("working directory '/nonexistent/worktree' does not exist");
  });

  it("does not start at all when the signal is already aborted", async () => {
    const dir = tempDir("mp-");
    const ac = new AbortController();
    ac.abort();
    const r = await runManagedProcess({
      command: "sh",
      args: ["-c", "touch started"],
      cwd: dir,
      env,
      timeoutMs: 1000,
      signal: ac.signal,
    });
    expect(r.cancelled).toBe(true);
    expect(existsSync(join(dir, "started"))).toBe(false);
  });

  it("passes only the env it is given", async () => {
    const lines: string[] = [];
    await runManagedProcess({
      command: "env",
      args: [],
      cwd,
      env: { ...env, ONLY_THIS: "1" },
      timeoutMs: 10_000,
      onStdoutLine: (l) => lines.push(l),
    });
    expect(lines.sort()).toEqual([`PATH=${env.PATH}`, "ONLY_THIS=1"].sort());
  });

  it("killProcessGroup says whether there was a group to signal", () => {
    expect(killProcessGroup(2 ** 22 - 7, "SIGTERM")).toBe(false);
  });
});
