// Playbook front matter (DESIGN §3), validated by zod. Unknown keys are refused so typos surface.
import { z } from "zod";
import { AGENT_NAMES } from "../agents/types.js";

const commands = z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (Array.isArray(v) ? v : [v]));

export const frontMatterSchema = z
  .object({
    description: z.string().optional(),
    agent: z.enum(AGENT_NAMES).optional(),
    model: z.string().min(1).optional(),
    verify: commands.optional(),
    maxCostUsd: z.number().positive().optional(),
    taskTimeoutMinutes: z.number().positive().optional(),
    onTaskFailure: z.enum(["stop", "continue"]).optional(),
  })
  .strict();

export type FrontMatter = z.infer<typeof frontMatterSchema>;
