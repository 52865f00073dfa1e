// A worker's world for tests: a local bare repo standing in for GitHub's git remote (reached through
// an injected remoteUrl), a data dir, a real Redis store with a unique prefix, run jobs as the
// handlers make them.
import fs from "node:fs";
import path from "node:path";
import type { ProbotOctokit } from "probot";
import type { RunJobData } from "../../src/queue/job-schema.js";
import { recordRun } from "../../src/queue/runs-index.js";
import type { Store } from "../../src/queue/connection.js";
import { createAppAuth } from "../../src/workers/installation.js";
import type { WorkerDeps } from "../../src/workers/deps.js";
import { gitIn, makeTempDir, makeTempRepo } from "./git-repo.js";

export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const INSTALLATION_ID = 2;
/** What the fake access-token route of test/helpers/github-api.ts hands out. */
export const FAKE_TOKEN = "ghs_" + "T".repeat(36);

export interface WorkerWorld {
  /** The bare repo playing GitHub's git remote. */
  remoteDir: string;
  dataDir: string;
  tmp: string;
  cleanup(): Promise<void>;
}

/** A remote with `main` holding a README and .github/maestro.yml (agent: command, agentCommand). */
export async function makeWorld(agentCommand: string, extraConfig = ""): Promise<WorkerWorld> {
  const src = await makeTempRepo({
    "README.md": "# hello\n",
    ".github/maestro.yml": `agent: command\nagentCommand: ${JSON.stringify(agentCommand)}\nlimits:\n  maxConcurrentRuns: 100\n${extraConfig}`,
  });
  const tmp = await makeTempDir("maestro-worker-");
  const remoteDir = path.join(tmp, "remote.git");
  await gitIn(tmp, "clone", "--quiet", "--bare", src.dir, remoteDir);
  await src.cleanup();
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(dataDir);
  return {
    remoteDir,
    dataDir,
    tmp,
    cleanup: async () => fs.rmSync(tmp, { recursive: true, force: true }),
  };
}

export const THREE_TASKS = `# Three tasks
Write files as asked.

- [ ] Create file one
- [ ] Create file two
- [ ] Create file three
`;

export function jobData(runId: string, over: Partial<RunJobData> = {}): RunJobData {
  return {
    runId,
    repo: { owner: OWNER, name: REPO, id: 1296269 },
    installationId: INSTALLATION_ID,
    issueNumber: 7,
    isPullRequest: false,
    playbook: { name: "three", origin: "builtin", source: THREE_TASKS },
    agent: "command",
    maxCostUsd: 5,
    issue: { title: "Make three files", body: "Please." },
    trigger: { kind: "comment", actor: "octocat", url: "https://github.com/Codertocat/Hello-World/issues/7" },
    requestedAt: new Date().toISOString(),
    ...over,
  };
}

/** What the handler does before enqueueing: the run record. */
export async function recordQueued(store: Store, data: RunJobData): Promise<void> {
  await recordRun(store, {
    runId: data.runId,
    repo: data.repo,
    issueNumber: data.issueNumber,
    playbook: data.playbook.name,
    actor: data.trigger.actor,
    job: data,
    ...(data.resumeOf ? { resumeOf: data.resumeOf } : {}),
  });
}

export function workerDeps(
  world: WorkerWorld,
  store: Store,
  auth: { privateKey: string; Octokit: typeof ProbotOctokit; baseUrl?: string },
  over: Partial<WorkerDeps> = {},
): WorkerDeps {
  const app = createAppAuth({ appId: 1, ...auth });
  return {
    store,
    dataDir: world.dataDir,
    installation: (id) => app.installation(id),
    remoteUrl: () => world.remoteDir,
    botIdentity: { name: "maestro-test[bot]", email: "99+maestro-test[bot]@users.noreply.github.com" },
    agentEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: world.tmp, LANG: "C.UTF-8" },
    statusEditIntervalMs: 0,
    worktreePoolSize: 2,
    prBackoffMs: () => 10,
    ...over,
  };
}

export interface RemoteCommit {
  sha: string;
  subject: string;
  task: string;
  run: string;
  author: string;
  body: string;
}

/** Commits on the remote's `branch` since main, oldest first. */
export async function remoteCommits(remoteDir: string, branch: string): Promise<RemoteCommit[]> {
  const out = await gitIn(
    remoteDir,
    "log",
    "--reverse",
    "--format=%H%x00%s%x00%(trailers:key=Maestro-Task,valueonly)%x00%(trailers:key=Maestro-Run,valueonly)%x00%an <%ae>%x00%B%x1e",
    `main..refs/heads/${branch}`,
  );
  return out
    .split("\x1e")
    .map((r) => r.replace(/^\n+/, ""))
    .filter(Boolean)
    .map((r) => {
      const [sha = "", subject = "", task = "", run = "", author = "", body = ""] = r.split("\0");
      return { sha, subject, task: task.trim(), run: run.trim(), author, body };
    });
}

export async function remoteBranches(remoteDir: string): Promise<string[]> {
  const out = await gitIn(remoteDir, "for-each-ref", "--format=%(refname:short)", "refs/heads/");
  return out.split("\n").filter(Boolean);
}
