// What the webhook handlers need from the outside, injected by createApp (src/index.ts).
import type { Store } from "../queue/connection.js";
import type { RunQueue } from "../queue/enqueue.js";
import type { AuthCaches } from "./auth-cache.js";
import type { Background } from "./background.js";

export type CommandOutcome = "accepted" | "refused" | "invalid" | "error";

export interface HandlerMetrics {
  command(verb: string, outcome: CommandOutcome): void;
}

export interface AppDeps {
  store: Store;
  queue: RunQueue;
  /** Defaults to () => new Date(). */
  clock?: () => Date;
  /** The app's slug: its own comments (`<slug>[bot]`) are ignored. Bots are ignored anyway. */
  appSlug?: string;
  metrics?: HandlerMetrics;
  /** Built-in playbooks directory (tests). */
  builtinDir?: string;
  /** Where feedback to GitHub runs after the webhook is answered; createApp makes one when absent. */
  background?: Background;
  /** Short-lived permission and config answers (auth-cache.ts); one set per app when absent. */
  authCaches?: AuthCaches;
}

export interface HandlerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
