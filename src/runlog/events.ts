// The run-log contract (DESIGN §7). This zod schema is the source; schemas/run-log.schema.json is generated from it.
import { z } from "zod";

export const TASK_STATUSES = ["done", "failed", "timeout", "stalled", "cancelled", "skipped"] as const;
export const RUN_STATUSES = ["succeeded", "failed", "cancelled", "budget_exceeded", "timeout"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];

const base = {
  v: z.literal(1).describe("Run-log format version."),
  ts: z.iso.datetime().describe("When the event was written (ISO-8601, UTC)."),
  runId: z.string().min(1).describe("The run this event belongs to."),
  seq: z
    .number()
    .int()
    .nonnegative()
    .describe("Position of the event in the run's log, from 0, without gaps."),
};
const index = z.number().int().nonnegative().describe("Index of the task (checklist item) in the playbook.");
const usd = z.number().nonnegative().describe("Cost in USD.");

export const tokensSchema = z
  .object({
    input: z.number().int().nonnegative(),
    output: z.number().int().nonnegative(),
    cacheRead: z.number().int().nonnegative(),
    cacheWrite: z.number().int().nonnegative(),
  })
  .describe("Token totals.");
export type Tokens = z.infer<typeof tokensSchema>;

export const triggerSchema = z
  .object({
    kind: z.string().min(1), // cli | comment | label | review | retry
    actor: z.string().min(1),
    url: z.string().optional(),
  })
  .describe("What started the run: kind (cli, comment, label, review, retry), who, and a link.");

export const runStartedSchema = z
  .object({
    ...base,
    type: z.literal("run.started"),
    playbook: z.string(),
    repo: z.string(),
    baseRef: z.string(),
    branch: z.string(),
    agent: z.string(),
    model: z.string().optional(),
    trigger: triggerSchema,
    tasksTotal: z.number().int().nonnegative(),
  })
  .describe("The run began: what runs where.");
export const taskStartedSchema = z
  .object({ ...base, type: z.literal("task.started"), index, text: z.string() })
  .describe("A task began: a fresh agent session works on it.");
export const agentMessageSchema = z
  .object({
    ...base,
    type: z.literal("agent.message"),
    index,
    role: z.string(),
    text: z.string(),
  })
  .describe("A message of the agent session (redacted, truncated).");
export const agentToolSchema = z
  .object({
    ...base,
    type: z.literal("agent.tool"),
    index,
    name: z.string(),
    input: z.string().optional(),
  })
  .describe("A tool call of the agent; input is its JSON, redacted and truncated.");
export const agentUsageSchema = z
  .object({
    ...base,
    type: z.literal("agent.usage"),
    index,
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cacheReadTokens: z.number().int().nonnegative(),
    cacheWriteTokens: z.number().int().nonnegative(),
    costUsd: usd,
    model: z.string().optional().describe("The model(s) the agent says it used, comma-separated."),
    priced: z
      .boolean()
      .optional()
      .describe("false: a model without a price was used, so costUsd is unknown (not free)."),
  })
  .describe("Cumulative usage of the task's agent session so far.");
export const taskVerifySchema = z
  .object({
    ...base,
    type: z.literal("task.verify"),
    index,
    command: z.string(),
    exitCode: z.number().int().nullable(),
    durationMs: z.number().nonnegative(),
    outputTail: z.string(),
  })
  .describe("A verify command ran after the task; outputTail is the end of its output.");
export const taskCommittedSchema = z
  .object({
    ...base,
    type: z.literal("task.committed"),
    index,
    sha: z.string().regex(/^[0-9a-f]{40,64}$/),
    filesChanged: z.number().int().nonnegative(),
    files: z
      .array(
        z.object({
          path: z.string(),
          added: z.number().int().nonnegative().optional(),
          deleted: z.number().int().nonnegative().optional(),
        }),
      )
      .optional()
      .describe(
        "The paths the commit changed (at most 100) with lines added and deleted (absent for binary files).",
      ),
  })
  .describe("The task's changes were committed (with Maestro-Run and Maestro-Task trailers).");
export const taskFinishedSchema = z
  .object({
    ...base,
    type: z.literal("task.finished"),
    index,
    status: z.enum(TASK_STATUSES),
    durationMs: z.number().nonnegative(),
    costUsd: usd,
    error: z.string().optional(),
    filesChanged: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("Files the task's commit changed; 0 marks a task that changed nothing."),
    summary: z
      .string()
      .optional()
      .describe("The agent's own closing message for the task (redacted, truncated): what it says it did."),
  })
  .describe("A task ended.");
export const runFinishedSchema = z
  .object({
    ...base,
    type: z.literal("run.finished"),
    status: z.enum(RUN_STATUSES),
    tasksDone: z.number().int().nonnegative(),
    tasksTotal: z.number().int().nonnegative(),
    costUsd: usd,
    tokens: tokensSchema,
    durationMs: z.number().nonnegative(),
    prUrl: z.string().optional(),
    error: z.string().optional(),
    unpricedModels: z
      .array(z.string())
      .optional()
      .describe("Models used without a price: costUsd leaves their tokens out."),
  })
  .describe("The run ended.");
export const LOG_TRUNCATED_REASONS = ["size_limit", "store_unavailable"] as const;
export const logTruncatedSchema = z
  .object({
    ...base,
    type: z.literal("log.truncated"),
    reason: z
      .enum(LOG_TRUNCATED_REASONS)
      .describe(
        "size_limit: the run's log reached MAESTRO_RUN_LOG_MAX_MB in the store; store_unavailable: Redis did not take the events for so long that the worker's bounded buffer filled.",
      ),
    limitBytes: z.number().int().nonnegative().describe("The limit that was reached, in bytes."),
    storedBytes: z
      .number()
      .int()
      .nonnegative()
      .describe("Bytes of this run's log sent to the store before this event."),
  })
  .describe(
    "The shared run-log store (Redis, which every host's serve reads) takes no more of this run's events after this one. Every event, this one included, is still in the worker's local file ($MAESTRO_DATA_DIR/runs/<runId>.jsonl).",
  );

export const runEventSchema = z.discriminatedUnion("type", [
  runStartedSchema,
  taskStartedSchema,
  agentMessageSchema,
  agentToolSchema,
  agentUsageSchema,
  taskVerifySchema,
  taskCommittedSchema,
  taskFinishedSchema,
  runFinishedSchema,
  logTruncatedSchema,
]);

export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventType = RunEvent["type"];
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What a producer hands to the writer: the writer stamps v, ts, runId and seq. */
export type RunEventInput = DistributiveOmit<RunEvent, "v" | "ts" | "runId" | "seq">;
