// The baseline of the intake benchmark: a bare Probot app on node:http whose issue_comment handler does
// nothing. Same Probot, same middleware, same env credentials as `maestro serve`.
// BARE_ON_ANY=1: see below. Run: node --import tsx bench/bare-probot.ts (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET); prints "serving on URL".
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, Probot } from "probot";

const probot = new Probot({
  appId: Number(process.env.APP_ID),
  privateKey: process.env.PRIVATE_KEY!,
  secret: process.env.WEBHOOK_SECRET!,
  logLevel: (process.env.LOG_LEVEL as "info" | undefined) ?? "info",
});
const middleware = await createNodeMiddleware(
  (app: Probot) => {
    // BARE_ON_ANY=1 adds a no-op onAny listener: Probot builds a Context and an installation Octokit
    // per matching listener, so this shows what one more listener costs per delivery.
    if (process.env.BARE_ON_ANY === "1") app.onAny(async () => undefined);
    app.on("issue_comment.created", async () => undefined);
  },
  { probot, webhooksPath: "/api/github/webhooks" },
);
const server = createServer((req, res) => {
  void middleware(req, res, () => {
    res.writeHead(404).end();
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare probot: serving on http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
