// Issue 11, played as the attacker against the real worker path: `maestro serve` (webhooks + worker) with
// real Redis, real git and the local GitHub, the sandbox on (its default). A prompt-injected agent
// (test/fixtures/agents/hostile-agent.sh) tries to read every process's environment and argv, the data
// dir, Redis, serve's own port and cloud metadata; to rewrite the mirror's config and the worktree's .git;
// to leave a survivor behind; and, in a second task, to commit a workflow itself. What it got is committed
// and pushed by the first task, so the test reads it from the branch as the attacker would.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startE2EWorld, type E2EWorld } from "../support/e2e-world.js";
import { auditForms as secretForms } from "../support/secret-forms.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const AGENT = path.join(ROOT, "test/fixtures/agents/hostile-agent.sh");

let world: E2EWorld;
beforeAll(async () => {
  world = await startE2EWorld();
}, 60_000);
afterAll(async () => {
  await world?.close();
}, 60_000);

function survivors(): string {
  try {
    return execFileSync("pgrep", ["-f", "^maestro-hostile-survivor"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

describe("a hostile agent on the real worker path, sandbox on", () => {
  it("finds nothing of the worker's, changes nothing of Maestro's, and its own commit of a workflow fails the task", async () => {
    const { gh } = world;
    const name = "hostile";
    const port = new URL(world.serve.url).port;
    const playbook = [
      "# Hostile",
      "",
      `- [ ] loot ${world.dataDir} ${port} octo-org ${name}`,
      "- [ ] commit a workflow",
      "",
    ].join("\n");
    const repo = await world.makeRepo(name, {
      config: `agent: command\nagentCommand: ${JSON.stringify(`bash ${AGENT}`)}\n`,
      playbooks: { hostile: playbook },
    });
    const issue = gh.createIssue(repo, { title: "Hostile", user: "alice" });
    const { runId } = await world.comment(repo, issue.number, "/maestro run hostile");
    const job = await world.waitForJob(runId, 120_000);
    expect(job).toMatchObject({ state: "completed", result: { status: "failed", tasksDone: 1 } });

    // The outcome is right: task 1 committed and pushed; task 2 refused for its protected path.
    const log = world.runLog(runId);
    const finished = log.filter((e) => e.type === "task.finished");
    expect(finished.map((e) => e.status)).toEqual(["done", "failed"]);
    expect(String(finished[1]!.error)).toMatch(/protected paths: \.github\/workflows\/evil\.yml/);
    const branch = (await gh.branches(repo)).find((b) => b !== "main")!;
    const files = (await gh.git(repo, "ls-tree", "-r", "--name-only", branch)).split("\n");
    expect(files).not.toContain(".github/workflows/evil.yml");
    const loot = (f: string) => gh.git(repo, "show", `${branch}:loot/${f}`);

    // Its own processes only: bwrap's init, the shells, the agent; never serve, git or the test runner.
    const proc = await loot("proc.txt");
    expect(proc).toMatch(/^== 1 \S*bwrap /m);
    expect(proc).not.toMatch(/src\/cli\/bin\.ts|jest|redis-server|git-remote-http|upload-pack/);
    expect(proc.match(/^== /gm)!.length).toBeLessThan(15);

    // The data dir: only the empty path down to its own worktree; no mirror config, no run log.
    const datadir = await loot("datadir.txt");
    expect(datadir).not.toMatch(/\[remote "origin"\]|"type":"run\.started"|\/data\/runs:$/m);
    expect(datadir).toMatch(/runs\/\*\.jsonl': No such file or directory/);
    expect(fs.readdirSync(path.join(world.dataDir, "runs"))).toContain(`${runId}.jsonl`);

    // Redis, serve's port and cloud metadata: unreachable.
    expect(await loot("redis.txt")).not.toMatch(/PONG|\*\d/);
    expect(await loot("redis.txt")).toMatch(/Connection refused/);
    expect(await loot("port.txt")).not.toMatch(/HTTP\/1\.[01] \d/);
    expect(await loot("metadata.txt")).toMatch(/metadata exit: [1-9]/);

    // The mirror's config and the worktree's .git: unwritable from the sandbox, unchanged on the host.
    const git = await loot("git.txt");
    // (Its `git config --file <mirror>/config` may "succeed": the path is an empty skeleton on the sandbox's
    // own scratch filesystem when the data dir lies under /tmp, as here. The host's file is what counts.)
    expect(git).toMatch(/dotgit exit: [1-9]/);
    const mirrorConfig = fs.readFileSync(
      path.join(world.dataDir, "mirrors/octo-org", `${name}.git/config`),
      "utf8",
    );
    expect(mirrorConfig).not.toContain("attacker.invalid");
    expect(fs.existsSync("/tmp/fsmonitor-ran")).toBe(false);

    // Nothing it started outlived its session.
    expect(survivors()).toBe("");

    // Token and key audit over everything the agent could write out: no token, key or secret, in any form.
    const env = world.env();
    const keyLines = env.PRIVATE_KEY!.split("\n").filter((l) => l.length > 40);
    const secrets = [...gh.tokensIssued().map((t) => t.token), ...keyLines, env.WEBHOOK_SECRET!];
    expect(gh.tokensIssued().length).toBeGreaterThan(0);
    const everything = await gh.git(repo, "log", "-p", "--format=fuller", `main..${branch}`);
    expect(everything).toContain("loot/proc.txt");
    const sightings = secrets.flatMap((s) =>
      secretForms(s)
        .filter((f) => everything.includes(f))
        .map((f) => f.slice(0, 8)),
    );
    expect(sightings).toEqual([]);
    expect(gh.problems()).toEqual([]);
  }, 150_000);
});
