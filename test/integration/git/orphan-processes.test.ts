// Real processes: an orphaned agent (its own process group, with a child) working in a dead run's
// directory is killed; a process elsewhere is not.
import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { killProcessesUnder } from "../../../src/git/orphan-processes.js";
import { makeTempDir } from "../../helpers/git-repo.js";

const started: ChildProcess[] = [];
let tmp: string | undefined;
afterEach(() => {
  for (const c of started)
    if (c.pid) {
      try {
        process.kill(-c.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  started.length = 0;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function agentIn(cwd: string): { leader: number; child: Promise<number> } {
  const c = spawn("sh", ["-c", "sleep 300 & echo $!; wait"], {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  started.push(c);
  const child = new Promise<number>((resolve) =>
    c.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  return { leader: c.pid!, child };
}

async function until(ok: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  return ok();
}

describe("killProcessesUnder", () => {
  it("kills the process group of whatever works inside the directory, and nothing outside it", async () => {
    tmp = await makeTempDir("maestro-orphans-");
    const dead = path.join(tmp, "worktrees/rdead/src");
    const other = path.join(tmp, "worktrees/rlive");
    fs.mkdirSync(dead, { recursive: true });
    fs.mkdirSync(other, { recursive: true });
    const orphan = agentIn(dead);
    const bystander = agentIn(other);
    const orphanChild = await orphan.child;
    await bystander.child;

    const killed = killProcessesUnder(path.join(tmp, "worktrees/rdead"));
    expect(killed).toContain(orphan.leader);
    expect(await until(() => !alive(orphan.leader) && !alive(orphanChild))).toBe(true);
    expect(alive(bystander.leader)).toBe(true);
    expect(killProcessesUnder(path.join(tmp, "missing"))).toEqual([]);
  });
});
