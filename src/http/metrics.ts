// Prometheus metrics, on a registry of our own (never prom-client's global one, so two apps in one
// process, or tests, do not collide).
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CommandOutcome, HandlerMetrics } from "../handlers/deps.js";

export const QUEUE_STATES = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "completed",
  "failed",
  "paused",
] as const;

export interface JobCountsSource {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

export interface Metrics extends HandlerMetrics {
  registry: Registry;
  /** A delivery past the signature check, by `name.action`. */
  webhookReceived(event: string): void;
  /** For the worker: a finished run's wall time and cost. */
  runFinished(durationSeconds: number, costUsd: number, status: string): void;
}

export function createMetrics(opts: { queue?: JobCountsSource; feedback?: { size: number } } = {}): Metrics {
  const registry = new Registry();
  const webhooks = new Counter({
    name: "maestro_webhooks_received_total",
    help: "Webhook deliveries received, by event (name.action).",
    labelNames: ["event"],
    registers: [registry],
  });
  const commands = new Counter({
    name: "maestro_commands_total",
    help: "Commands and triggers handled, by verb and outcome (accepted, refused, invalid, error).",
    labelNames: ["verb", "outcome"],
    registers: [registry],
  });
  const queue = opts.queue;
  new Gauge({
    name: "maestro_queue_jobs",
    help: "Jobs in the run queue, by state, read from Redis at scrape time.",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      if (!queue) return;
      const counts = await queue.getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  const feedback = opts.feedback;
  new Gauge({
    name: "maestro_feedback_pending",
    help: "Answered deliveries whose feedback (reactions, status comments, replies) is still being posted.",
    registers: [registry],
    collect() {
      this.set(feedback?.size ?? 0);
    },
  });
  const duration = new Histogram({
    name: "maestro_run_duration_seconds",
    help: "Wall time of finished runs, by final status.",
    labelNames: ["status"],
    buckets: [30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10800],
    registers: [registry],
  });
  const cost = new Counter({
    name: "maestro_run_cost_usd_total",
    help: "Agent cost of finished runs in US dollars.",
    registers: [registry],
  });
  return {
    registry,
    webhookReceived(event: string) {
      webhooks.inc({ event });
    },
    command(verb: string, outcome: CommandOutcome) {
      commands.inc({ verb, outcome });
    },
    runFinished(durationSeconds: number, costUsd: number, status: string) {
      duration.observe({ status }, durationSeconds);
      if (Number.isFinite(costUsd) && costUsd > 0) cost.inc(costUsd);
    },
  };
}
