import { afterAll, describe, expect, it } from "@jest/globals";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateJsonSchemas, SCHEMA_FILES, serializeJsonSchema } from "../../../src/config/json-schemas.js";
import { repoConfigSchema } from "../../../src/config/repo-config.js";
import { frontMatterSchema } from "../../../src/playbooks/front-matter.js";
import { runEventSchema } from "../../../src/runlog/events.js";
import { RunLogWriter } from "../../../src/runlog/writer.js";

const schemas = generateJsonSchemas();
const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = (file: string) => ajv.compile(schemas[file]!);
const validRunEvent = validate(SCHEMA_FILES.runLog);
const validConfig = validate(SCHEMA_FILES.repoConfig);
const validFrontMatter = validate(SCHEMA_FILES.frontMatter);

describe("committed schemas", () => {
  it("match the zod schemas (if not: run npm run schemas)", () => {
    for (const [file, schema] of Object.entries(schemas)) {
      const p = path.join(process.cwd(), "schemas", file);
      const committed = fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "(missing)";
      if (committed !== serializeJsonSchema(schema)) {
        throw new Error(`schemas/${file} is out of date with its zod schema: run npm run schemas`);
      }
    }
    expect(Object.keys(schemas).sort()).toEqual(Object.values(SCHEMA_FILES).sort());
  });

  it("carry $id, title and a description for every config and front-matter key (for editors)", () => {
    for (const [file, schema] of Object.entries(schemas)) {
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(String(schema.$id)).toMatch(new RegExp(`^https://.+/${file.replace(/\./g, "\\.")}$`));
      expect(typeof schema.title).toBe("string");
      expect(typeof schema.description).toBe("string");
    }
    const undescribed = (s: Record<string, unknown>, at: string): string[] =>
      Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>).flatMap(([k, v]) => [
        ...(typeof v.description === "string" ? [] : [`${at}${k}`]),
        ...undescribed(v, `${at}${k}.`),
      ]);
    expect(undescribed(schemas[SCHEMA_FILES.repoConfig]!, "")).toEqual([]);
    expect(undescribed(schemas[SCHEMA_FILES.frontMatter]!, "")).toEqual([]);
  });
});

const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
const stamp = (seq: number) => ({ v: 1, ts: "2026-11-25T06:00:00.000Z", runId: "run-1", seq });
const goodEvents = [
  {
    ...stamp(0),
    type: "run.started",
    playbook: "lint",
    repo: "o/r",
    baseRef: "main",
    branch: "maestro/1-lint-abc",
    agent: "claude-code",
    trigger: { kind: "cli", actor: "me" },
    tasksTotal: 2,
  },
  { ...stamp(1), type: "task.started", index: 0, text: "Fix it" },
  { ...stamp(2), type: "agent.message", index: 0, role: "assistant", text: "ok" },
  { ...stamp(3), type: "agent.tool", index: 0, name: "Bash", input: '{"command":"ls"}' },
  { ...stamp(4), type: "agent.tool", index: 0, name: "Bash" },
  {
    ...stamp(5),
    type: "agent.usage",
    index: 0,
    inputTokens: 1,
    outputTokens: 2,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.01,
  },
  {
    ...stamp(6),
    type: "task.verify",
    index: 0,
    command: "npm test",
    exitCode: null,
    durationMs: 3,
    outputTail: "",
  },
  { ...stamp(7), type: "task.committed", index: 0, sha: SHA, filesChanged: 1 },
  { ...stamp(8), type: "task.finished", index: 0, status: "done", durationMs: 10, costUsd: 0.01 },
  {
    ...stamp(9),
    type: "run.finished",
    status: "succeeded",
    tasksDone: 1,
    tasksTotal: 1,
    costUsd: 0.01,
    tokens: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 },
    durationMs: 20,
    prUrl: "https://github.com/o/r/pull/1",
  },
  {
    ...stamp(10),
    type: "log.truncated",
    reason: "size_limit",
    limitBytes: 33554432,
    storedBytes: 33554000,
  },
];
const badEvents: Array<[string, Record<string, unknown>]> = [
  ["unknown type", { ...stamp(0), type: "task.exploded", index: 0 }],
  ["wrong version", { ...goodEvents[1]!, v: 2 }],
  ["missing runId", (({ runId: _r, ...rest }) => rest)(goodEvents[1]!)],
  ["negative seq", { ...goodEvents[1]!, seq: -1 }],
  ["fractional index", { ...goodEvents[1]!, index: 0.5 }],
  ["ts not a date-time", { ...goodEvents[1]!, ts: "yesterday" }],
  ["sha not hex", { ...goodEvents[7]!, sha: "main" }],
  ["bad task status", { ...goodEvents[8]!, status: "maybe" }],
  ["bad run status", { ...goodEvents[9]!, status: "ok" }],
  ["negative cost", { ...goodEvents[5]!, costUsd: -1 }],
  ["trigger without actor", { ...goodEvents[0]!, trigger: { kind: "cli" } }],
  ["tokens incomplete", { ...goodEvents[9]!, tokens: { input: 1 } }],
];

describe("run-log schema", () => {
  it("accepts one of every event type, agreeing with zod", () => {
    for (const e of goodEvents) {
      expect({ type: e.type, ok: validRunEvent(e), errors: validRunEvent.errors ?? null }).toEqual({
        type: e.type,
        ok: true,
        errors: null,
      });
      expect(runEventSchema.safeParse(e).success).toBe(true);
    }
  });

  it("rejects malformed events, agreeing with zod", () => {
    for (const [name, e] of badEvents) {
      expect({ name, ajv: validRunEvent(e) }).toEqual({ name, ajv: false });
      expect({ name, zod: runEventSchema.safeParse(e).success }).toEqual({ name, zod: false });
    }
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-schema-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  it("validates every line the real writer produces", () => {
    const file = path.join(dir, "run.jsonl");
    const w = RunLogWriter.open({ path: file, runId: "run-w" });
    for (const e of goodEvents) {
      const { v: _v, ts: _t, runId: _r, seq: _s, ...input } = e;
      w.write(input as Parameters<RunLogWriter["write"]>[0]);
    }
    w.close();
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(goodEvents.length);
    for (const line of lines) expect(validRunEvent(JSON.parse(line))).toBe(true);
  });
});

describe("maestro-config schema", () => {
  const good: unknown[] = [
    {},
    {
      agent: "claude-code",
      agentCommand: "",
      model: "",
      permissions: { minimum: "write", allowUsers: [], denyUsers: [] },
      limits: {
        maxCostUsdPerRun: 10,
        dailyBudgetUsd: 50,
        maxConcurrentRuns: 2,
        taskTimeoutMinutes: 30,
        runTimeoutMinutes: 180,
      },
      verify: ["npm ci", "npm test"],
      branchPrefix: "maestro/",
      protectedPaths: [".github/workflows/**"],
      runLog: { commitToBranch: false },
      followUps: { onChangesRequested: false },
      pricing: { "gpt-5": { input: 1.25, output: 10 } },
    },
    { agent: "command", agentCommand: "./agent.sh", limits: { maxCostUsdPerRun: 0.5 } },
  ];
  const bad: Array<[string, unknown]> = [
    ["unknown key", { agnet: "codex" }],
    ["unknown agent", { agent: "copilot" }],
    ["zero cost cap", { limits: { maxCostUsdPerRun: 0 } }],
    ["fractional concurrency", { limits: { maxConcurrentRuns: 1.5 } }],
    ["unknown limit", { limits: { maxTokens: 5 } }],
    ["bad branch prefix", { branchPrefix: "maestro bad/" }],
    ["empty verify command", { verify: [""] }],
    ["verify not a list", { verify: "npm test" }],
    ["bad permission level", { permissions: { minimum: "owner" } }],
    ["price without output", { pricing: { m: { input: 1 } } }],
    ["not an object", "agent: claude-code"],
  ];

  it("accepts the DESIGN §5 example, the empty config and partial configs, agreeing with zod", () => {
    for (const c of good) {
      expect(validConfig(c)).toBe(true);
      expect(repoConfigSchema.safeParse(c).success).toBe(true);
    }
  });

  it("rejects what zod rejects", () => {
    for (const [name, c] of bad) {
      expect({ name, ajv: validConfig(c) }).toEqual({ name, ajv: false });
      expect({ name, zod: repoConfigSchema.safeParse(c).success }).toEqual({ name, zod: false });
    }
  });
});

describe("playbook front-matter schema", () => {
  it("accepts a single verify command or a list, and rejects unknown keys and bad values like zod", () => {
    const good = [
      {},
      { verify: "npm test" },
      { verify: ["npm ci", "npm test"], onTaskFailure: "continue", maxCostUsd: 3 },
    ];
    const bad = [
      { verfy: "x" },
      { verify: "" },
      { verify: [] as string[], model: "" },
      { onTaskFailure: "retry" },
      { maxCostUsd: -1 },
    ];
    for (const f of good) {
      expect(validFrontMatter(f)).toBe(true);
      expect(frontMatterSchema.safeParse(f).success).toBe(true);
    }
    for (const f of bad) {
      expect(validFrontMatter(f)).toBe(false);
      expect(frontMatterSchema.safeParse(f).success).toBe(false);
    }
  });
});
