// The Probot app: wires webhook events to handlers, nothing else (DESIGN §2).
import type { Probot } from "probot";
import { loadEnvConfig } from "./config/env.js";
import { createBackground } from "./handlers/background.js";
import type { AppDeps } from "./handlers/deps.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onIssuesLabeled } from "./handlers/issues-labeled.js";
import { onPullRequestReview } from "./handlers/pull-request-review.js";
import { createRedis } from "./queue/connection.js";
import { resolvePrefix } from "./queue/names.js";
import { createRunQueue } from "./queue/run-queue.js";

export type { AppDeps } from "./handlers/deps.js";

export function createApp(appDeps: AppDeps): (app: Probot) => void {
  const deps: AppDeps = { ...appDeps, background: appDeps.background ?? createBackground() };
  return (app: Probot) => {
    // Deliveries are counted at the HTTP door (src/cli/serve.ts): an onAny listener here would make
    // Probot build a second context and installation client for every delivery.
    app.on("issue_comment.created", (context) => onIssueComment(deps, context));
    app.on("issues.labeled", (context) => onIssuesLabeled(deps, context));
    app.on("pull_request_review.submitted", (context) => onPullRequestReview(deps, context));
  };
}

/** For `probot run`: dependencies from the environment (REDIS_URL, MAESTRO_REDIS_PREFIX, MAESTRO_APP_SLUG). */
export default function maestroApp(app: Probot): void {
  const env = loadEnvConfig(process.env);
  const redis = createRedis(env.redisUrl);
  const prefix = resolvePrefix(process.env);
  const queue = createRunQueue(redis, prefix);
  const appSlug = process.env.MAESTRO_APP_SLUG?.trim() || undefined;
  createApp({ store: { redis, prefix }, queue, ...(appSlug ? { appSlug } : {}) })(app);
}
