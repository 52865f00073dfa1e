// One Maestro process's GitHub client, for the shared write-spacing test: `node --import tsx
// test/helpers/write-limit-child.ts`. Wired as `maestro worker` wires it (openWriteLimiter from the env,
// then createAppAuth with Probot's own Octokit: throttling on). Env: REDIS_URL, MAESTRO_REDIS_PREFIX,
// MAESTRO_SHARED_WRITE_LIMIT, WRITE_API_URL, WRITE_PRIVATE_KEY_FILE, WRITE_TARGETS (JSON: [{installation,
// repo: "owner/name", issue}]), WRITE_COUNT (writes per target). Prints "ready" once its tokens are
// minted, waits for "go" on stdin, fires every write at once, prints "done".
import fs from "node:fs";
import { openWriteLimiter } from "../../src/github/write-limiter.js";
import { createAppAuth } from "../../src/workers/installation.js";

const env = process.env;
const targets = JSON.parse(env.WRITE_TARGETS ?? "[]") as {
  installation: number;
  repo: string;
  issue: number;
}[];
const count = Number(env.WRITE_COUNT ?? "3");
const shared = openWriteLimiter(env, { warn: (o, m) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`) });
const app = createAppAuth({
  appId: Number(env.WRITE_APP_ID ?? "1"),
  privateKey: fs.readFileSync(env.WRITE_PRIVATE_KEY_FILE!, "utf8"),
  baseUrl: env.WRITE_API_URL!,
  ...(shared ? { writeLimiter: shared.limiter } : {}),
});
const clients = await Promise.all(
  targets.map(async (t) => {
    const { octokit } = await app.installation(t.installation);
    const [owner, repo] = t.repo.split("/") as [string, string];
    await octokit.rest.repos.get({ owner, repo }); // mints the token: only writes follow "go"
    return { octokit, owner, repo, issue: t.issue };
  }),
);
process.stdout.write("ready\n");
await new Promise<void>((resolve) => {
  let input = "";
  process.stdin.on("data", (d: Buffer) => {
    input += d.toString();
    if (input.includes("go")) resolve();
  });
});
await Promise.all(
  clients.flatMap(({ octokit, owner, repo, issue }) =>
    Array.from({ length: count }, () =>
      octokit.rest.reactions.createForIssue({ owner, repo, issue_number: issue, content: "rocket" }),
    ),
  ),
);
await shared?.close();
process.stdout.write("done\n");
process.exit(0);
