// Repo config: .github/maestro.yml (DESIGN §5). The zod schema is the source; schemas/maestro-config.schema.json is generated from it.
import { z } from "zod";
import { AGENT_NAMES } from "../agents/types.js";

export const PERMISSION_LEVELS = ["none", "read", "triage", "write", "maintain", "admin"] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

const modelPrice = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cacheRead: z.number().nonnegative().optional(),
    cacheWrite: z.number().nonnegative().optional(),
  })
  .strict();

export const repoConfigSchema = z
  .object({
    agent: z.enum(AGENT_NAMES).default("claude-code"),
    agentCommand: z.string().default(""),
    model: z.string().default(""),
    permissions: z
      .object({
        minimum: z.enum(PERMISSION_LEVELS).default("write"),
        allowUsers: z.array(z.string()).default([]),
        denyUsers: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        maxCostUsdPerRun: z.number().positive().default(10),
        dailyBudgetUsd: z.number().positive().default(50),
        maxConcurrentRuns: z.number().int().positive().default(2),
        taskTimeoutMinutes: z.number().positive().default(30),
        runTimeoutMinutes: z.number().positive().default(180),
      })
      .strict()
      .prefault({}),
    verify: z.array(z.string().min(1)).default([]),
    branchPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._/-]*$/, "branchPrefix may hold letters, digits, '.', '_', '-' and '/' only")
      .default("maestro/"),
    protectedPaths: z.array(z.string().min(1)).default([".github/workflows/**"]),
    runLog: z.object({ commitToBranch: z.boolean().default(false) }).strict().prefault({}),
    followUps: z.object({ onChangesRequested: z.boolean().default(false) }).strict().prefault({}),
    pricing: z.record(z.string(), modelPrice).default({}),
  })
  .strict();

export type RepoConfig = z.infer<typeof repoConfigSchema>;
export type RepoConfigInput = z.input<typeof repoConfigSchema>;

export function defaultRepoConfig(): RepoConfig {
  return repoConfigSchema.parse({});
}
