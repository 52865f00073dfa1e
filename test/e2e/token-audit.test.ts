// Issue 5 §4, DESIGN §6: the installation token is used by the worker for fetch, push and the API, and
// reaches nothing else. During a real run (maestro serve + local GitHub + real Redis + a command agent
// that dumps its environment and sleeps) a watcher process records every process's argv and every
// file under the run's HOME/MAESTRO_DATA_DIR in a tight loop; afterwards every token the local GitHub
// issued (raw, and base64 as in the Basic auth header) is searched for there, in serve's output, the
// run log, the agent's env dump, the pushed commits and the Redis keys of the run's prefix.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { E2E_AGENT, startE2EWorld, type E2EWorld } from "../support/e2e-world.js";
import { auditForms as secretForms } from "../support/secret-forms.js";

const WATCH = path.resolve(import.meta.dirname, "../support/secret-watch.mjs");

const AUDIT_PLAYBOOK = `# Audit

- [ ] Write \`audit/one.md\`, dump env, then sleep 1000
- [ ] Write \`audit/two.md\` and sleep 300
`;

interface WatchResult {
  procScans: number;
  fileWalks: number;
  cmdlines: { pid: number; argv: string[] }[];
  environs: { pid: number; argv: string[]; environ: string }[];
  files: { file: string; contents: string[] }[];
}

/** Every string value under the prefix, whatever the key's type (BullMQ job hashes, lists, streams…). */
async function redisDump(world: E2EWorld): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = "0";
  do {
    const [next, keys] = await world.redis.scan(cursor, "MATCH", `${world.prefix}:*`, "COUNT", 500);
    cursor = next;
    for (const key of keys) {
      const type = await world.redis.type(key);
      let value: unknown;
      if (type === "string") value = await world.redis.get(key);
      else if (type === "hash") value = await world.redis.hgetall(key);
      else if (type === "list") value = await world.redis.lrange(key, 0, -1);
      else if (type === "set") value = await world.redis.smembers(key);
      else if (type === "zset") value = await world.redis.zrange(key, 0, -1, "WITHSCORES");
      else if (type === "stream") value = await world.redis.xrange(key, "-", "+");
      else continue;
      out.set(key, JSON.stringify(value));
    }
  } while (cursor !== "0");
  return out;
}

function startWatch(resultFile: string, roots: string[], environOf: string) {
  const child = spawn(process.execPath, [WATCH, resultFile, `--environ-of=${environOf}`, ...roots], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on("message", (m) => m === "done" && resolve());
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`secret-watch exited ${code}`))));
  });
  return {
    async stop(): Promise<WatchResult> {
      child.send("stop");
      await done;
      return JSON.parse(fs.readFileSync(resultFile, "utf8")) as WatchResult;
    },
    kill: () => child.kill("SIGKILL"),
  };
}

let world: E2EWorld;
let scratch: string;

beforeAll(async () => {
  // debug: the most serve will say about its requests, so its log is a real place to look.
  world = await startE2EWorld({ env: { LOG_LEVEL: "debug" } });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-token-audit-"));
}, 60_000);

afterAll(async () => {
  await world?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe("token audit during a real run", () => {
  it("the installation token is used for git but appears in no argv, git config, file, log, run log, agent env or Redis key", async () => {
    const { gh } = world;
    const repo = await world.makeRepo("token-audit", { playbooks: { audit: AUDIT_PLAYBOOK } });
    const [owner, name] = repo.split("/") as [string, string];
    const home = world.env().HOME!;
    // Slow pack exchanges keep git's children (git-remote-http, pack-objects…) alive long enough to be seen.
    gh.fault({ route: "GIT upload-pack", delayMs: 250, times: Infinity });
    gh.fault({ route: "GIT receive-pack", delayMs: 250, times: Infinity });

    const watch = startWatch(path.join(scratch, "watch.json"), [home], E2E_AGENT);
    let result: WatchResult;
    const midRun = new Map<string, string>();
    try {
      const issue = gh.createIssue(repo, { title: "Audit", user: "alice" });
      const { runId } = await world.comment(repo, issue.number, "/maestro run audit");
      // While the first agent sleeps: the job data as Redis holds it mid-run.
      await world.waitFor("the first task to start", () =>
        world.runLog(runId).some((e) => e.type === "task.started"),
      );
      for (const [k, v] of await redisDump(world)) midRun.set(`${k} (mid-run)`, v);
      const job = await world.waitForJob(runId);
      expect(job).toMatchObject({ state: "completed", result: { status: "succeeded", tasksDone: 2 } });
      result = await watch.stop();

      const tokens = gh.tokensIssued().map((t) => t.token);
      expect(tokens.length).toBeGreaterThan(0);
      tokens.forEach((t) => expect(t).toMatch(/^ghs_\w{20,}$/));

      // Not vacuous: git fetched and pushed with an installation token (the local GitHub lets nothing else in)…
      const gitOk = gh
        .requests()
        .filter((r) => r.route?.startsWith("GIT ") && r.status === 200 && r.method === "POST");
      expect(gitOk.map((r) => r.route)).toEqual(
        expect.arrayContaining(["GIT upload-pack", "GIT receive-pack"]),
      );
      gitOk.forEach((r) => expect(r.auth).toBe(`installation:${gh.installationId}`));
      // …and the watcher saw the run's processes and files while they existed.
      const argvs = result.cmdlines.map((c) => c.argv.join(" "));
      expect(argvs.some((a) => a.includes(E2E_AGENT))).toBe(true);
      expect(argvs.some((a) => /\bgit(-remote-https?)?\b/.test(a) && a.includes(`${gh.host}/${repo}`))).toBe(
        true,
      );
      const fileNames = result.files.map((f) => path.relative(world.dataDir, f.file));
      expect(fileNames).toContain(`mirrors/${owner}/${name}.git/config`);
      expect(fileNames.some((f) => f.startsWith("worktrees/") && f.endsWith("agent-env.json"))).toBe(true);
      expect(fileNames).toContain(`runs/${runId}.jsonl`);
      expect(result.procScans).toBeGreaterThan(50);

      const branch = (await gh.branches(repo)).find((b) => b !== "main")!;
      const envDump = await gh.git(repo, "show", `${branch}:agent-env.json`);
      const agentEnv = JSON.parse(envDump) as Record<string, string>;
      expect(agentEnv.MAESTRO_RUN_ID).toBe(runId);

      const places = new Map<string, string>([
        ["maestro serve stdout/stderr", world.serve.output()],
        ["run log", fs.readFileSync(path.join(world.dataDir, "runs", `${runId}.jsonl`), "latin1")],
        ["agent env dump (pushed)", envDump],
        ["pushed commits", await gh.git(repo, "log", "-p", "--format=fuller", `main..${branch}`)],
        ...midRun,
        ...(await redisDump(world)),
      ]);
      // The agent's real environment, read from /proc while it ran (its `sh -c` and the node under it).
      const agentEnvirons = result.environs.filter((e) =>
        e.environ.split("\0").includes(`MAESTRO_RUN_ID=${runId}`),
      );
      expect(agentEnvirons.length).toBeGreaterThan(0);
      for (const e of agentEnvirons)
        places.set(`environ of agent pid ${e.pid}: ${e.argv.join(" ")}`, e.environ);
      for (const c of result.cmdlines)
        places.set(`argv of pid ${c.pid}: ${c.argv.join(" ")}`, c.argv.join("\0"));
      for (const f of result.files) f.contents.forEach((text, i) => places.set(`${f.file} (#${i})`, text));
      expect(places.size).toBeGreaterThan(result.cmdlines.length);

      const sightings: string[] = [];
      for (const token of tokens)
        for (const form of secretForms(token))
          for (const [where, text] of places)
            if (text.includes(form)) sightings.push(`${form.slice(0, 8)}… in ${where.slice(0, 300)}`);
      expect(sightings).toEqual([]);
      expect(gh.problems()).toEqual([]);
    } finally {
      watch.kill();
    }
  }, 90_000);
});
