// JSON Schemas generated from the zod schemas (the zod schemas are the source): the run log, the
// repo config (.github/maestro.yml, for editors via yaml-language-server) and playbook front matter.
import { z } from "zod";
import { frontMatterSchema } from "../playbooks/front-matter.js";
import { runEventSchema } from "../runlog/events.js";
import { repoConfigSchema } from "./repo-config.js";

/** Where the committed schemas are published; `$id`s are built from it. */
export const SCHEMA_BASE_URL = "https://raw.githubusercontent.com/maestro-for-github/maestro/main/schemas/";

export const SCHEMA_FILES = {
  runLog: "run-log.schema.json",
  repoConfig: "maestro-config.schema.json",
  frontMatter: "playbook-front-matter.schema.json",
} as const;

function generate(
  schema: z.ZodType,
  file: string,
  title: string,
  description: string,
): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = json;
  // Our own title/description replace the root's zod description (kept when there is no better one).
  return { $schema, $id: SCHEMA_BASE_URL + file, title, ...rest, description };
}

// front-matter.ts belongs to the playbooks module; its key descriptions for editors live here.
const FRONT_MATTER_DESCRIPTIONS: Record<string, string> = {
  description: "What the playbook does, shown in help and in the run's PR.",
  agent:
    "The agent for this playbook: claude-code, codex, opencode, gemini or command. The repo config or the trigger may override it.",
  model: "Model name passed to the agent.",
  verify:
    "A command, or a list of commands, run in the worktree after each task; non-zero exit fails the task.",
  maxCostUsd: "Cost cap in USD for the whole run.",
  taskTimeoutMinutes: "Minutes one task may take before it is stopped.",
  onTaskFailure: "stop (default): end the run at the first failed task; continue: go on with the next task.",
};

function describeProperties(schema: Record<string, unknown>, descriptions: Record<string, string>): void {
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [key, prop] of Object.entries(props ?? {})) {
    if (prop.description === undefined && descriptions[key]) {
      props![key] = { description: descriptions[key], ...prop };
    }
  }
}

/** File name → JSON Schema (draft 2020-12). `npm run schemas` writes them to schemas/. */
export function generateJsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    [SCHEMA_FILES.runLog]: generate(
      runEventSchema,
      SCHEMA_FILES.runLog,
      "Maestro run-log event",
      "One line of a Maestro run log (JSONL): every line is one event, with v, ts, runId, seq and type.",
    ),
    [SCHEMA_FILES.repoConfig]: generate(
      repoConfigSchema,
      SCHEMA_FILES.repoConfig,
      "Maestro repository config",
      "Maestro for GitHub settings for one repository, read from .github/maestro.yml on the default branch. Every key is optional.",
    ),
    [SCHEMA_FILES.frontMatter]: frontMatter(),
  };
}

function frontMatter(): Record<string, unknown> {
  const schema = generate(
    frontMatterSchema,
    SCHEMA_FILES.frontMatter,
    "Maestro playbook front matter",
    "The YAML front matter of a Maestro playbook (a Markdown checklist). Every key is optional.",
  );
  describeProperties(schema, FRONT_MATTER_DESCRIPTIONS);
  return schema;
}

/** The exact text written for a schema file. */
export function serializeJsonSchema(schema: object): string {
  return JSON.stringify(schema, null, 2) + "\n";
}
