// No process outlives its agent session, whatever group or session it moved to (setsid, double fork):
// every process of a session carries MAESTRO_SESSION=<random> and all of them are killed when it ends.
import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { commandAdapter } from "../../../src/agents/command.js";
import {
  findMarkedProcesses,
  killMarkedProcesses,
  newSessionMarker,
} from "../../../src/agents/session-processes.js";
import type { AgentRunOptions } from "../../../src/agents/types.js";

const linux = process.platform === "linux";
const maybe = linux ? describe : describe.skip;

const tempDirs: string[] = [];
const spawned: number[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "session-procs-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  // a failing run must not leave its sleepers behind
  for (const pid of spawned) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Alive = exists and is not a zombie (a container's PID 1 may be slow to reap re-parented children). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2)[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Pids of live processes whose environment holds `entry` (NAME=value). */
function carrying(entry: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const vars = readFileSync(`/proc/${name}/environ`, "latin1").split("\0");
      if (vars.includes(entry) && alive(Number(name))) found.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readPids(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/**
 * An agent that leaves three sleepers behind, none in its process group: a setsid'd one with its output
 * closed, a double-forked setsid'd one (its parent gone at once), and a setsid'd one still holding the
 * agent's stdout. Each writes its pid to `dir/pids`; the agent writes its marker to `dir/marker`.
 */
function escapingAgent(dir: string, then: string): string {
  const pids = join(dir, "pids");
  return [
    `printf '%s' "$MAESTRO_SESSION" > '${join(dir, "marker")}'`,
    `setsid sh -c 'echo $$ >> "$0"; exec sleep 600' '${pids}' </dev/null >/dev/null 2>&1 &`,
    `( setsid sh -c '(exec sleep 600) & echo $! >> "$0"' '${pids}' & ) </dev/null >/dev/null 2>&1`,
    `setsid sh -c 'echo $$ >> "$0"; exec sleep 600' '${pids}' &`,
    `while [ "$(wc -l < '${pids}' 2>/dev/null || echo 0)" -lt 3 ]; do sleep 0.05; done`,
    "echo started",
    then,
  ].join("\n");
}

function options(
  dir: string,
  agentCommand: string,
  signal: AbortSignal,
  onLine?: (l: string) => void,
): AgentRunOptions {
  return {
    prompt: "leave something behind",
    cwd: dir,
    timeoutMs: 60_000,
    signal,
    baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    onEvent: (e) => {
      if (e.kind === "message") onLine?.(e.text);
    },
    runId: "r-session",
    taskIndex: 0,
    agentCommand,
    killGraceMs: 500,
  };
}

maybe("an agent session leaves no process behind (setsid, double fork)", () => {
  it("on cancel, the setsid'd and double-forked sleepers die with the session", async () => {
    const dir = tempDir();
    const ac = new AbortController();
    const result = await commandAdapter.run(
      options(dir, escapingAgent(dir, "sleep 600"), ac.signal, (l) => {
        if (l === "started") ac.abort();
      }),
    );
    const pids = readPids(join(dir, "pids"));
    spawned.push(...pids);
    expect(result.status).toBe("cancelled");
    expect(pids).toHaveLength(3);
    expect(await waitFor(() => pids.every((p) => !alive(p)), 10_000)).toBe(true);
    const marker = readFileSync(join(dir, "marker"), "utf8");
    expect(marker).toMatch(/^[0-9a-f]{32}$/);
    expect(carrying(`MAESTRO_SESSION=${marker}`)).toEqual([]);
  });

  it("on a normal exit (0), the orphans it left are killed too", async () => {
    const dir = tempDir();
    const result = await commandAdapter.run(
      options(dir, escapingAgent(dir, "exit 0"), new AbortController().signal),
    );
    const pids = readPids(join(dir, "pids"));
    spawned.push(...pids);
    expect(result.status).toBe("ok");
    expect(pids).toHaveLength(3);
    expect(await waitFor(() => pids.every((p) => !alive(p)), 10_000)).toBe(true);
    const marker = readFileSync(join(dir, "marker"), "utf8");
    expect(marker).toMatch(/^[0-9a-f]{32}$/);
    expect(carrying(`MAESTRO_SESSION=${marker}`)).toEqual([]);
  });

  it("on cancel, escaped processes die at once, while the agent itself still has its SIGTERM grace", async () => {
    const dir = tempDir();
    const ac = new AbortController();
    let settled = false;
    const running = commandAdapter
      .run({
        ...options(
          dir,
          `trap 'echo term >&2' TERM\n${escapingAgent(dir, "while :; do sleep 1; done")}`,
          ac.signal,
          (l) => {
            if (l === "started") ac.abort();
          },
        ),
        killGraceMs: 4000,
      })
      .finally(() => {
        settled = true;
      });
    expect(await waitFor(() => readPids(join(dir, "pids")).length === 3 && ac.signal.aborted, 10_000)).toBe(
      true,
    );
    const pids = readPids(join(dir, "pids"));
    spawned.push(...pids);
    expect(await waitFor(() => pids.every((p) => !alive(p)), 2500)).toBe(true);
    expect(settled).toBe(false); // the agent ignores SIGTERM: the session is still in its grace period
    expect((await running).status).toBe("cancelled");
  });

  it("a stalled session's escaped processes die too", async () => {
    const dir = tempDir();
    const result = await commandAdapter.run({
      ...options(dir, escapingAgent(dir, "sleep 600"), new AbortController().signal),
      stallTimeoutMs: 1500,
    });
    const pids = readPids(join(dir, "pids"));
    spawned.push(...pids);
    expect(result.status).toBe("stalled");
    expect(result.error).toMatch(
      /^command stalled: no output for 1\.5 s; its last activity, [\d.]+ s ago, was a message: started$/,
    );
    expect(pids).toHaveLength(3);
    expect(await waitFor(() => pids.every((p) => !alive(p)), 10_000)).toBe(true);
  });
});

maybe("session markers", () => {
  it("find exactly the processes that carry the whole entry, and kill them", async () => {
    const m = newSessionMarker();
    expect(m.entry).toMatch(/^MAESTRO_SESSION=[0-9a-f]{32}$/);
    const start = (env: Record<string, string>) =>
      spawn("sleep", ["600"], {
        stdio: "ignore",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      });
    const marked = start({ A: "1", [m.name]: m.value, B: "2" });
    const longer = start({ [m.name]: `${m.value}0` });
    const otherName = start({ [`X${m.name}`]: m.value });
    const children = [marked, longer, otherName];
    spawned.push(...children.map((c) => c.pid!));
    try {
      expect(await waitFor(() => findMarkedProcesses(m.entry).length > 0, 5000)).toBe(true);
      expect(findMarkedProcesses(m.entry)).toEqual([marked.pid]);
      expect(await killMarkedProcesses(m.entry)).toEqual([marked.pid]);
      expect(await waitFor(() => !alive(marked.pid!), 5000)).toBe(true);
      expect(alive(longer.pid!) && alive(otherName.pid!)).toBe(true);
      expect(findMarkedProcesses(m.entry)).toEqual([]);
    } finally {
      for (const c of children) c.kill("SIGKILL");
    }
  });
});
