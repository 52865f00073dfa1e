// Every command, flag, config key and env var the code accepts appears in the docs, and nothing the docs name is
// unknown to the code. Sources of truth: the commander program (`maestro <verb> --help`), the slash-command grammar
// (src/commands), the zod schema of .github/maestro.yml, and the environment variables src/ reads. A failure lists
// exactly what is missing and where it belongs.
import { describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { AGENT_NAMES } from "../../../src/agents/types.js";
import { main } from "../../../src/cli/main.js";
import { RUN_FLAGS } from "../../../src/commands/parse.js";
import { VERBS } from "../../../src/commands/types.js";
import { repoConfigSchema } from "../../../src/config/repo-config.js";
import { LABEL_PREFIX } from "../../../src/handlers/issues-labeled.js";
import { configKeys, CONFIG_KEYS_BEGIN, renderConfigKeys } from "../../../scripts/config-reference.js";

const root = process.cwd();
const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
const DOC_FILES = [
  "README.md",
  ...fs
    .readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const docs = new Map(DOC_FILES.map((f) => [f, read(f)]));
const allDocs = [...docs.values()].join("\n");
const configDoc = docs.get("docs/configuration.md")!;
const commandsDoc = docs.get("docs/commands.md") ?? "";

/** Fails with one line per problem, so the message is the to-do list. */
function expectNone(problems: string[], heading: string): void {
  if (problems.length > 0) throw new Error(`${heading}\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}

function filesUnder(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" }).flatMap((f) => {
    const rel = path.join(dir, f);
    return ext.test(f) && fs.statSync(path.join(root, rel)).isFile() ? [rel] : [];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The CLI, as commander sees it.

async function help(args: string[]): Promise<string> {
  let out = "";
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  await main([...args, "--help"], { stdout: sink, stderr: sink, env: {}, cwd: root });
  return out;
}

/** Lines of a commander help section ("Commands:", "Options:"), each its first word(s). */
function section(text: string, title: string): string[] {
  const at = text.indexOf(`\n${title}\n`);
  if (at < 0) return [];
  const lines = text.slice(at + title.length + 2).split("\n");
  const end = lines.findIndex((l) => !l.startsWith(" "));
  return lines.slice(0, end < 0 ? undefined : end).filter((l) => /^ {2}\S/.test(l));
}

async function cliProgram(): Promise<Map<string, string[]>> {
  const verbs = section(await help([]), "Commands:")
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter((v) => v !== "help");
  const program = new Map<string, string[]>();
  for (const verb of verbs) {
    const flags = section(await help([verb]), "Options:")
      .flatMap(
        (l) =>
          l
            .trim()
            .split(/\s{2,}/)[0]!
            .match(/--[a-z][a-z-]*/g) ?? [],
      )
      .filter((f) => f !== "--help");
    program.set(verb, flags);
  }
  return program;
}

/** `maestro VERB …` / `maestro.js VERB …` as written in the docs: the verb and the flags after it on that line. */
function cliMentions(): Array<{ file: string; verb: string; flags: string[] }> {
  const out: Array<{ file: string; verb: string; flags: string[] }> = [];
  for (const [file, text] of docs) {
    for (const line of text.split("\n")) {
      // `maestro run …`, `npx maestro …`, `node bin/maestro.js run …`; not `/maestro run` (a slash-command).
      for (const m of line.matchAll(/(?:(?:^|[\s`(])maestro|maestro\.js) ([a-z][a-z-]*)([^`|#\n]*)/g)) {
        out.push({ file, verb: m[1]!, flags: m[2]!.match(/(?<=^|\s)--[a-z][a-z-]*/g) ?? [] });
      }
    }
  }
  return out;
}

// Words that follow "maestro " in prose or shell lines without being a verb: the image name before a docker
// option's value, the app's user, and so on. Keep this list short; a real verb never belongs here.
const NOT_VERBS = new Set(["for", "user", "is", "image", "and", "the", "in", "on", "to", "as", "with"]);

describe("the CLI", () => {
  it("documents every verb and flag of `maestro` (README.md or docs/*.md)", async () => {
    const program = await cliProgram();
    expect([...program.keys()]).toEqual(expect.arrayContaining(["run", "serve", "worker", "doctor"]));
    const problems: string[] = [];
    for (const [verb, flags] of program) {
      if (!new RegExp(`maestro(?:\\.js)? ${verb}\\b`).test(allDocs))
        problems.push(
          `\`maestro ${verb}\` appears in no doc: describe it in README.md (local use) or docs/deploy.md / docs/getting-started.md (serving)`,
        );
      const mentioned = new Set(cliMentions().flatMap((m) => (m.verb === verb ? m.flags : [])));
      for (const flag of flags) {
        if (!mentioned.has(flag) && !new RegExp(`${flag}\\b`).test(allDocs))
          problems.push(
            `\`maestro ${verb} ${flag}\` appears in no doc: show it in an example or a flag list`,
          );
      }
    }
    expectNone(problems, "CLI verbs and flags the docs do not mention:");
  });

  it("names no verb or flag the CLI does not have", async () => {
    const program = await cliProgram();
    const problems = cliMentions().flatMap(({ file, verb, flags }) => {
      if (NOT_VERBS.has(verb)) return [];
      if (!program.has(verb)) return [`${file}: \`maestro ${verb}\` is not a verb of the CLI`];
      return flags
        .filter((f) => f !== "--help" && !program.get(verb)!.includes(f))
        .map((f) => `${file}: \`maestro ${verb} ${f}\`: ${verb} has no flag ${f}`);
    });
    expectNone(problems, "The docs name CLI verbs or flags the code does not have:");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Slash-commands and labels (src/commands/parse.ts, src/handlers/issues-labeled.ts).

describe("slash-commands and labels", () => {
  it("documents every verb and every flag of /maestro run, and the label, in docs/commands.md", () => {
    const problems: string[] = [];
    for (const verb of VERBS)
      if (!commandsDoc.includes(`/maestro ${verb}`))
        problems.push(
          `docs/commands.md: add a section for \`/maestro ${verb}\` with an example and its replies`,
        );
    for (const flag of RUN_FLAGS)
      if (!new RegExp(`\\${flag}\\b`).test(commandsDoc))
        problems.push(`docs/commands.md: add \`${flag}\` to the flags of \`/maestro run\``);
    if (!commandsDoc.includes(`${LABEL_PREFIX}NAME`))
      problems.push(`docs/commands.md: describe the label \`${LABEL_PREFIX}NAME\``);
    expectNone(problems, "Slash-commands the docs do not describe:");
  });

  it("names no /maestro verb or run flag the grammar does not accept", () => {
    const problems: string[] = [];
    for (const [file, text] of docs) {
      for (const m of text.matchAll(/\/maestro ([a-z][a-z-]*)([^`\n]*)/g)) {
        const verb = m[1]!;
        if (!(VERBS as readonly string[]).includes(verb) && !["NAME", "TEXT"].includes(verb)) {
          problems.push(`${file}: \`/maestro ${verb}\` is not a command (commands: ${VERBS.join(", ")})`);
          continue;
        }
        if (verb !== "run") continue;
        const beforeFreeText = m[2]!.split(/\s--(?:\s|$)/)[0]!;
        for (const flag of beforeFreeText.match(/(?<=^|\s)--[a-z][a-z-]*/g) ?? [])
          if (!(RUN_FLAGS as readonly string[]).includes(flag))
            problems.push(`${file}: \`/maestro run … ${flag}\`: /maestro run has no flag ${flag}`);
      }
    }
    expectNone(problems, "The docs name slash-commands or flags the parser refuses:");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// .github/maestro.yml (src/config/repo-config.ts).

describe(".github/maestro.yml", () => {
  it("has every key in docs/configuration.md's generated reference, up to date (else: npm run schemas)", () => {
    const begin = configDoc.indexOf(CONFIG_KEYS_BEGIN);
    if (begin < 0)
      throw new Error(
        `docs/configuration.md has no ${CONFIG_KEYS_BEGIN} section: put it and <!-- /generated:config-keys --> under "Repository", then run npm run schemas`,
      );
    const current = configDoc.slice(begin, begin + renderConfigKeys().length);
    if (current !== renderConfigKeys())
      throw new Error(
        "docs/configuration.md: the config-key reference is out of date with src/config/repo-config.ts: run npm run schemas",
      );
    const problems = configKeys()
      .filter((k) => !configDoc.includes(`\`${k.path}\``))
      .map((k) => `docs/configuration.md: \`${k.path}\` is missing`);
    expectNone(problems, "Config keys the docs do not list:");
  });

  it("names no config key the schema does not have", () => {
    const known = new Set(configKeys().map((k) => k.path));
    // Keys with keys under them; `agent.usage` and the like are run-log event types, not config.
    const tops = [
      ...new Set(configKeys().flatMap((k) => (k.path.includes(".") ? [k.path.split(".")[0]!] : []))),
    ];
    const problems: string[] = [];
    // Dotted mentions such as `limits.maxCostUsdPerRun` or permissions.allowUsers.
    const dotted = new RegExp(`(?<![\\w.$/-])(${tops.join("|")})\\.([A-Za-z]+)\\b`, "g");
    for (const [file, text] of docs) {
      for (const m of text.matchAll(dotted)) {
        const key = `${m[1]}.${m[2]}`;
        if (m[1] === "pricing" || known.has(key)) continue;
        if (/^(md|yml|yaml|json|jsonl|ts|js)$/.test(m[2]!)) continue;
        problems.push(`${file}: \`${key}\` is not a key of .github/maestro.yml`);
      }
    }
    // Example files: fenced yaml blocks that are (or start) a .github/maestro.yml.
    for (const [file, text] of docs) {
      for (const m of text.matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
        const body = m[1]!;
        if (!/^(# yaml-language-server:.*maestro-config|agent:|limits:|permissions:)/m.test(body)) continue;
        if (/^(description|onTaskFailure|maxCostUsd):/m.test(body)) continue; // a playbook's front matter
        const parsed = repoConfigSchema.safeParse(parseYaml(body) ?? {});
        if (parsed.success) continue;
        for (const issue of parsed.error.issues)
          if (issue.code === "unrecognized_keys")
            problems.push(
              `${file}: example config has unknown key(s) ${issue.keys.join(", ")}${issue.path.length ? ` under ${issue.path.join(".")}` : ""}`,
            );
      }
    }
    expectNone(problems, "The docs name config keys the schema does not accept:");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Environment variables.

/** Variables of the machine itself, which need no page of their own. */
const SYSTEM_VARS = new Set(["PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TERM", "SHELL", "TZ"]);
/** Agent CLIs' own variables: documented with the agents (docs/agents.md), not as Maestro's settings. */
const AGENT_CLI_VAR = /^(ANTHROPIC_|CLAUDE_|OPENAI_|CODEX_|OPENCODE_|GEMINI_|GOOGLE_)/;

/** Names src/ reads from an environment (assignments, which set a child's variable, are not reads). */
function envVarsRead(): Map<string, string> {
  const found = new Map<string, string>();
  const patterns = [
    /\benv(?:\?)?\.([A-Z][A-Z0-9_]+)\b(?!\s*=[^=])/g,
    /\benv\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\](?!\s*=[^=])/g,
    /\(\s*(?:[a-z]+\.)?env\s*,\s*["']([A-Z][A-Z0-9_]+)["']/g,
  ];
  for (const file of filesUnder("src", /\.ts$/)) {
    const text = read(file);
    for (const re of patterns)
      for (const m of text.matchAll(re)) if (!found.has(m[1]!)) found.set(m[1]!, file);
  }
  // src/config/env.ts validates these by name (its zod object's keys).
  const envTs = read("src/config/env.ts");
  const fields = envTs.slice(envTs.indexOf("const fields = {"), envTs.indexOf("const envSchema"));
  for (const m of fields.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm))
    if (!found.has(m[1]!)) found.set(m[1]!, "src/config/env.ts");
  // MAESTRO_<AGENT>_BIN, built from the agent's name (src/agents/bin.ts).
  for (const agent of AGENT_NAMES) {
    if (agent === "command") continue;
    const name = `MAESTRO_${agent.toUpperCase().replace(/-/g, "_")}_BIN`;
    if (!found.has(name)) found.set(name, "src/agents/bin.ts");
  }
  return found;
}

const MAESTRO_TOKEN = /\bMAESTRO_[A-Z0-9_]*[A-Z0-9]\b/g;

/** Every MAESTRO_* name the code knows: in src/, or a deployment variable of compose.yaml or the Dockerfile. */
function knownMaestroNames(): Set<string> {
  const known = new Set<string>();
  for (const file of filesUnder("src", /\.ts$/))
    for (const m of read(file).matchAll(MAESTRO_TOKEN)) known.add(m[0]);
  for (const file of ["compose.yaml", "Dockerfile"])
    for (const m of read(file).matchAll(/\$\{?(MAESTRO_[A-Z0-9_]+)/g)) known.add(m[1]!);
  return known;
}

describe("environment variables", () => {
  it("documents every variable the code reads in docs/configuration.md", () => {
    const problems: string[] = [];
    for (const [name, file] of envVarsRead()) {
      if (SYSTEM_VARS.has(name)) continue;
      if (AGENT_CLI_VAR.test(name)) {
        if (!new RegExp(`\\b${name}\\b`).test(allDocs))
          problems.push(`${name} (read in ${file}): an agent CLI's variable; mention it in docs/agents.md`);
        continue;
      }
      if (!new RegExp(`\`${name}\``).test(configDoc))
        problems.push(
          `${name} (read in ${file}): add it to docs/configuration.md, "Environment" (its default and what it does)`,
        );
    }
    expectNone(problems, "Environment variables the code reads that docs/configuration.md does not list:");
  });

  it("documents compose.yaml's own variables in docs/configuration.md", () => {
    const names = new Set([...read("compose.yaml").matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    const problems = [...names]
      .filter((n) => !configDoc.includes(`\`${n}\``))
      .map((n) => `${n} (compose.yaml): add it to docs/configuration.md`);
    expectNone(problems, "compose.yaml variables docs/configuration.md does not list:");
  });

  it("names no MAESTRO_* variable the code does not know", () => {
    const known = knownMaestroNames();
    const problems: string[] = [];
    for (const [file, text] of docs)
      for (const name of new Set([...text.matchAll(MAESTRO_TOKEN)].map((m) => m[0])))
        if (!known.has(name))
          problems.push(
            `${file}: ${name} is read nowhere in src/ (nor compose.yaml, Dockerfile): a typo, or a variable that was removed`,
          );
    expectNone(problems, "The docs name MAESTRO_* variables the code does not know:");
  });
});
