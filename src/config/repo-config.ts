// Repo config: .github/maestro.yml (DESIGN §5). The zod schema is the source; schemas/maestro-config.schema.json is generated from it.
import { z } from "zod";
import { AGENT_NAMES } from "../agents/types.js";

export const PERMISSION_LEVELS = ["none", "read", "triage", "write", "maintain", "admin"] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

const modelPrice = z
  .object({
    input: z.number().nonnegative().describe("USD per million input tokens."),
    output: z.number().nonnegative().describe("USD per million output tokens."),
    cacheRead: z.number().nonnegative().optional().describe("USD per million cache-read tokens."),
    cacheWrite: z.number().nonnegative().optional().describe("USD per million cache-write tokens."),
  })
  .strict()
  .describe("Price of one model, in USD per million tokens.");

export const repoConfigSchema = z
  .object({
    agent: z
      .enum(AGENT_NAMES)
      .default("claude-code")
      .describe(
        "The coding agent that works each task: claude-code, codex, opencode, gemini, or command (agentCommand).",
      ),
    agentCommand: z
      .string()
      .default("")
      .describe(
        "For agent: command — a shell command run in the worktree once per task, with the prompt on stdin and in MAESTRO_PROMPT_FILE. Exit 0 means the task is done.",
      ),
    model: z.string().default("").describe("Model name passed to the agent; empty uses the agent's default."),
    permissions: z
      .object({
        minimum: z
          .enum(PERMISSION_LEVELS)
          .default("write")
          .describe("The lowest repository permission a user needs to trigger Maestro."),
        allowUsers: z
          .array(z.string())
          .default([])
          .describe("Logins allowed to trigger Maestro whatever their permission."),
        denyUsers: z.array(z.string()).default([]).describe("Logins never allowed to trigger Maestro."),
      })
      .strict()
      .prefault({})
      .describe("Who may trigger runs."),
    limits: z
      .object({
        maxCostUsdPerRun: z
          .number()
          .positive()
          .default(10)
          .describe("Stop a run (and its agent) once it has cost this many USD."),
        dailyBudgetUsd: z
          .number()
          .positive()
          .default(50)
          .describe("USD this repository may spend per day, across runs; new runs are refused beyond it."),
        maxConcurrentRuns: z
          .number()
          .int()
          .positive()
          .default(2)
          .describe("Runs of this repository at the same time; more wait in the queue."),
        taskTimeoutMinutes: z
          .number()
          .positive()
          .default(30)
          .describe("Minutes one task (one agent session) may take before it is stopped."),
        runTimeoutMinutes: z.number().positive().default(180).describe("Minutes a whole run may take."),
        stallTimeoutMinutes: z
          .number()
          .positive()
          .default(10)
          .describe(
            "Minutes an agent may go without output (no message, tool call or usage) before it is stopped; its task ends `stalled`.",
          ),
      })
      .strict()
      .prefault({})
      .describe("Cost, concurrency and time limits."),
    verify: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Commands run in the worktree after each task, e.g. ["npm ci", "npm test"]; a failure fails the task.',
      ),
    branchPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._/-]*$/, "branchPrefix may hold letters, digits, '.', '_', '-' and '/' only")
      .default("maestro/")
      .describe("Prefix of the branches Maestro creates: <branchPrefix><issue>-<playbook>-<runId8>."),
    protectedPaths: z
      .array(z.string().min(1))
      .default([".github/workflows/**"])
      .describe("Globs of paths a task may not change; a task that changes one fails."),
    runLog: z
      .object({
        commitToBranch: z
          .boolean()
          .default(false)
          .describe("Also commit the run's JSONL log to the PR branch."),
      })
      .strict()
      .prefault({})
      .describe("Where the run log goes besides the artifact store."),
    followUps: z
      .object({
        onChangesRequested: z
          .boolean()
          .default(false)
          .describe("When a review requests changes on a Maestro PR, run the address-review playbook."),
      })
      .strict()
      .prefault({})
      .describe("Automatic follow-up runs."),
    pricing: z
      .record(z.string(), modelPrice)
      .default({})
      .describe('Extra or overriding model prices, e.g. {"gpt-5": {input: 1.25, output: 10}}.'),
  })
  .strict()
  .describe("Maestro for GitHub repository configuration (.github/maestro.yml).");

export type RepoConfig = z.infer<typeof repoConfigSchema>;
export type RepoConfigInput = z.input<typeof repoConfigSchema>;

export function defaultRepoConfig(): RepoConfig {
  return repoConfigSchema.parse({});
}
