// The data of a run job (DESIGN §1). Strict: unknown keys are refused, so no token can ride along.
// The installation token is minted by the worker from installationId; it never enters Redis.
import { createHash } from "node:crypto";
import { z } from "zod";
import { AGENT_NAMES } from "../agents/types.js";

/** Longest free text (after `--`, or the `fix` text) a run takes; GitHub's own limit for a comment. */
export const MAX_ARGS_LENGTH = 65_536;

/** BullMQ job ids must not contain ':' nor be all digits; run ids double as job ids. */
export const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const runIdSchema = z
  .string()
  .regex(RUN_ID_RE, "run id: letters, digits, '_' and '-' only, at most 128 characters")
  .refine((v) => !/^\d+$/.test(v), "run id must not be all digits (BullMQ reserves those)");

const login = z.string().min(1).max(100);

export const runJobSchema = z
  .object({
    runId: runIdSchema,
    repo: z
      .object({
        owner: login,
        name: z.string().min(1).max(100),
        id: z.number().int().positive().optional(),
      })
      .strict(),
    installationId: z.number().int().positive(),
    issueNumber: z.number().int().positive(),
    isPullRequest: z.boolean(),
    prNumber: z.number().int().positive().optional(),
    /** Follow-ups on a Maestro PR run on its branch. */
    headRef: z.string().min(1).max(255).optional(),
    baseRef: z.string().min(1).max(255).optional(),
    playbook: z
      .object({
        name: z.string().min(1).max(128),
        origin: z.enum(["repo", "builtin", "issue"]),
        source: z.string().max(262_144),
      })
      .strict(),
    agent: z.enum(AGENT_NAMES).optional(),
    model: z.string().min(1).max(128).optional(),
    maxCostUsd: z.number().positive().optional(),
    /** Sanitized free text after `--` (or the `fix` text). */
    args: z.string().max(MAX_ARGS_LENGTH).optional(),
    /** Sanitized issue title and body, for the playbook templates. */
    issue: z
      .object({ title: z.string().max(1024), body: z.string().max(262_144) })
      .strict()
      .optional(),
    trigger: z
      .object({
        kind: z.enum(["comment", "label", "review", "retry"]),
        actor: login,
        url: z.string().url().optional(),
        commentId: z.number().int().positive().optional(),
      })
      .strict(),
    statusCommentId: z.number().int().positive().optional(),
    /** The review's inline comments a review follow-up addresses; each gets a reply when the run ends. */
    reviewComments: z
      .array(
        z
          .object({
            id: z.number().int().positive(),
            path: z.string().max(4096),
            line: z.number().int().positive().optional(),
            /** The task made for this comment, when the playbook has one per comment. */
            task: z.number().int().nonnegative().optional(),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    /** The failed or cancelled run this one resumes. */
    resumeOf: runIdSchema.optional(),
    requestedAt: z.string().datetime({ offset: true }),
  })
  .strict();

export type RunJobData = z.infer<typeof runJobSchema>;

/**
 * The run id (= BullMQ job id) of the index-th command of a webhook delivery. Deterministic, so a
 * redelivered webhook maps to the same job; short, because it goes into branch names and replies.
 */
export function runIdForDelivery(deliveryId: string, index = 0): string {
  if (typeof deliveryId !== "string" || deliveryId.trim() === "")
    throw new Error("A webhook delivery id is required to derive a run id.");
  return `r${createHash("sha256").update(`${deliveryId}#${index}`).digest("hex").slice(0, 15)}`;
}

/** Parses job data, with a message that lists every problem. */
export function parseRunJob(data: unknown): { ok: true; data: RunJobData } | { ok: false; error: string } {
  const r = runJobSchema.safeParse(data);
  if (r.success) return { ok: true, data: r.data };
  const lines = r.error.issues.map((i) => {
    const where = i.path.length > 0 ? i.path.join(".") : "(job)";
    return i.code === "unrecognized_keys"
      ? `${where}: unknown key(s) ${i.keys.join(", ")}`
      : `${where}: ${i.message}`;
  });
  return { ok: false, error: `Invalid run job: ${lines.join("; ")}` };
}
