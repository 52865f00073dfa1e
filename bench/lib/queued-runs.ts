// Queued runs the real way, for the worker benchmarks: `/maestro run` comments delivered as signed
// webhooks to `maestro serve` (write spacing removed: queuing is not what is measured) while the queue is
// paused; serve stops once every run is queued. The same steps as in bench/scale.ts, whose round() is
// not exported (kept minimal here rather than edited there).
import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import type { LocalGitHub } from "../../test/support/local-github/index.js";
import { plainPreload } from "./plain-preload.js";
import { startNodeProcess } from "./processes.js";
import { REDIS_URL } from "../../test/helpers/redis.js";

export const BENCH_OWNER = "octo-org";

/** `--import` args that remove Octokit's write spacing (bench/lib/no-write-spacing.ts), without tsx. */
export function noWriteSpacingArgs(): string[] {
  return ["--import", plainPreload("bench/lib/no-write-spacing.ts")];
}

/**
 * A repo whose .github/maestro.yml runs a `command` agent that sleeps agentMs per task, then writes a file;
 * `name` is the exact repo name (default: label + a random suffix), `installationId` its installation.
 */
export async function createCommandAgentRepo(
  gh: LocalGitHub,
  label: string,
  agentMs: number,
  o: { name?: string; installationId?: number } = {},
): Promise<string> {
  const name = o.name ?? `${label}-${randomBytes(3).toString("hex")}`;
  const secs = (agentMs / 1000).toFixed(3);
  await gh.createRepo({
    owner: BENCH_OWNER,
    name,
    ...(o.installationId !== undefined ? { installationId: o.installationId } : {}),
    files: {
      "README.md": `# ${name}\n`,
      ".github/maestro.yml":
        [
          "agent: command",
          `agentCommand: ${JSON.stringify(`sleep ${secs}; echo "$MAESTRO_TASK_INDEX" > "task-$MAESTRO_TASK_INDEX.txt"`)}`,
          "limits:",
          "  maxConcurrentRuns: 1000",
          "  dailyBudgetUsd: 1000",
        ].join("\n") + "\n",
    },
  });
  const repo = `${BENCH_OWNER}/${name}`;
  gh.addCollaborator(repo, "alice", "write");
  return repo;
}

/** The environment of a benchmark's `maestro serve` / `maestro worker`: nothing from the caller's but PATH. */
export function benchProcessEnv(o: {
  gh: LocalGitHub;
  home: string;
  prefix: string;
  dataDir: string;
  concurrency: number;
}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: o.home,
    LANG: "C.UTF-8",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    GIT_CONFIG_NOSYSTEM: "1",
    REDIS_URL,
    MAESTRO_REDIS_PREFIX: o.prefix,
    MAESTRO_DATA_DIR: o.dataDir,
    MAESTRO_CONCURRENCY: String(o.concurrency),
    // The bench repos' .github/maestro.yml choose their agentCommand (it runs in the sandbox).
    MAESTRO_REPO_AGENT_COMMAND: "allow",
    ...o.gh.env(),
  };
}

/**
 * Pauses the queue and queues `runs` 3-task runs on `repo` through `maestro serve` (env: the serve's
 * environment, with the queue's Redis prefix); returns once they all wait in the queue and serve is gone.
 */
export async function queueRunsThroughServe(o: {
  gh: LocalGitHub;
  cli: string;
  queue: Queue;
  repo: string;
  runs: number;
  env: NodeJS.ProcessEnv;
}): Promise<void> {
  await o.queue.pause();
  const serve = await startNodeProcess(
    [...noWriteSpacingArgs(), o.cli, "serve", "--port", "0"],
    o.env,
    /serving on (http:\S+)/,
  );
  try {
    o.gh.setWebhookUrl(`${serve.url}/api/github/webhooks`);
    for (let i = 0; i < o.runs; i++) {
      const issue = o.gh.createIssue(o.repo, {
        title: `Run ${i}`,
        body: "Three files.\n\n- [ ] Write the first file\n- [ ] Write the second file\n- [ ] Write the third file\n",
        user: "alice",
      });
      const { delivery } = await o.gh.postComment(o.repo, issue.number, "/maestro run", { user: "alice" });
      if (delivery && delivery.status >= 300) throw new Error(`delivery answered ${delivery.status}`);
    }
    for (let t = Date.now(); ;) {
      const c = await o.queue.getJobCounts("paused", "waiting");
      if ((c.paused ?? 0) + (c.waiting ?? 0) >= o.runs) break;
      if (Date.now() - t > 60_000) throw new Error(`only ${JSON.stringify(c)} jobs queued of ${o.runs}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await serve.stop();
  }
}
