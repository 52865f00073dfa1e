// The slash-command grammar (DESIGN §4). Pure; never throws: every bad input becomes { ok: false, error }.
import { AGENT_NAMES, type AgentName } from "../agents/types.js";
import { validatePlaybookName } from "../playbooks/resolve.js";
import { findCommandLines } from "./command-lines.js";
import { didYouMean } from "./suggest.js";
import { nextToken } from "./tokenize.js";
import {
  MAX_COST_LIMIT_USD,
  VERBS,
  type CommandParseResult,
  type MaestroCommand,
  type MaestroVerb,
} from "./types.js";

const HELP = "See /maestro help.";
export const RUN_FLAGS = ["--agent", "--model", "--max-cost", "--dry-run"] as const;
type RunFlag = (typeof RUN_FLAGS)[number];
export const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;
export const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const COST_RE = /^\$?(?:\d+(?:\.\d*)?|\.\d+)$/;

type Parsed = { ok: true; command: MaestroCommand } | { ok: false; error: string };

/**
 * Every `/maestro` line of a comment body, in order. With `limit`, only the first `limit` lines are
 * read; the others come back unread (`skipped`), so a comment of thousands of command lines costs no
 * more than the few that are handled. Finding the lines is linear (command-lines.ts).
 */
export function parseCommands(body: string, opts: { limit?: number } = {}): CommandParseResult[] {
  if (typeof body !== "string") return [];
  const limit = opts.limit ?? Infinity;
  try {
    return findCommandLines(body).map(({ line, text }, index): CommandParseResult => {
      if (index >= limit) return { ok: false, error: "not read", line, raw: text, skipped: true };
      const r = parseCommandLine(text);
      return r.ok
        ? { ok: true, command: r.command, line, raw: text }
        : { ok: false, error: r.error, line, raw: text };
    });
  } catch (err) {
    // A bug here must reach the user as a reply, not as a failed webhook delivery.
    return [
      { ok: false, error: `Maestro could not read this command (${String(err)}). ${HELP}`, line: 1, raw: "" },
    ];
  }
}

export function parseFirstCommand(body: string): CommandParseResult | null {
  return parseCommands(body)[0] ?? null;
}

/** One command line, starting with `/maestro` (any case). */
export function parseCommandLine(line: string): Parsed {
  const text = line.trim();
  const prefix = /^\/maestro(?=\s|$)/iu.exec(text);
  if (!prefix) return { ok: false, error: `A command starts with "/maestro". ${HELP}` };
  let pos = prefix[0].length;

  const first = nextToken(text, pos);
  if (!first.ok) return { ok: false, error: first.error };
  if (first.token === null) return { ok: true, command: { verb: "help" } };
  const verbWord = first.token.value;
  const verb = verbWord.toLowerCase() as MaestroVerb;
  pos = first.token.end;
  if (!VERBS.includes(verb)) return { ok: false, error: unknownVerb(verbWord) };

  switch (verb) {
    case "run":
      return parseRun(text, pos);
    case "fix": {
      const rest = text.slice(pos).trim();
      if (rest === "") {
        return {
          ok: false,
          error: `"/maestro fix" needs a description of the change, e.g. "/maestro fix rename the --verbose flag to --debug". ${HELP}`,
        };
      }
      return { ok: true, command: { verb: "fix", text: rest } };
    }
    case "retry":
    case "cancel":
      return parseRunIdVerb(verb, text, pos);
    case "status":
    case "list":
    case "help": {
      const extra = nextToken(text, pos);
      if (!extra.ok) return { ok: false, error: extra.error };
      if (extra.token !== null) {
        return {
          ok: false,
          error: `"/maestro ${verb}" takes no arguments, got ${show(extra.token.value)}. Write just "/maestro ${verb}". ${HELP}`,
        };
      }
      return { ok: true, command: { verb } };
    }
  }
}

function parseRunIdVerb(verb: "retry" | "cancel", text: string, pos: number): Parsed {
  const a = nextToken(text, pos);
  if (!a.ok) return { ok: false, error: a.error };
  if (a.token === null) return { ok: true, command: { verb } };
  const id = a.token.value;
  if (id.startsWith("-")) {
    return {
      ok: false,
      error: `"/maestro ${verb}" takes no flags, got ${show(id)}. Usage: /maestro ${verb} [RUN]. ${HELP}`,
    };
  }
  if (!RUN_ID_RE.test(id)) {
    return {
      ok: false,
      error:
        `Run id ${show(id)} is not valid: run ids are letters, digits, '-' and '_' (up to 128). ` +
        `Copy the id from the run's status comment, or leave it out to ${verb} the latest run. ${HELP}`,
    };
  }
  const b = nextToken(text, a.token.end);
  if (!b.ok) return { ok: false, error: b.error };
  if (b.token !== null) {
    return {
      ok: false,
      error: `"/maestro ${verb}" takes at most one run id, got also ${show(b.token.value)}. Usage: /maestro ${verb} [RUN]. ${HELP}`,
    };
  }
  return { ok: true, command: { verb, runId: id } };
}

function parseRun(text: string, start: number): Parsed {
  const cmd: Extract<MaestroCommand, { verb: "run" }> = { verb: "run", dryRun: false };
  const seen = new Set<RunFlag>();
  let pos = start;
  for (;;) {
    const t = nextToken(text, pos);
    if (!t.ok) return { ok: false, error: t.error };
    const tok = t.token;
    if (tok === null) break;
    pos = tok.end;

    const raw = text.slice(tok.start, tok.end);
    if (raw === "--") {
      const args = text.slice(tok.end).trim();
      if (args !== "") cmd.args = args;
      break;
    }

    // Phones and editors turn "--" into a dash; say so instead of calling it a playbook name.
    if (/^[\u2012-\u2015\u2212]/u.test(raw)) {
      const fixed = tok.value.replace(/^[\u2012-\u2015\u2212]+/u, "--");
      return {
        ok: false,
        error: `${show(tok.value)} starts with a typographic dash; flags and the free-text separator use two hyphens: ${show(fixed)}. ${HELP}`,
      };
    }

    // A flag is a token whose first character is an unquoted "-": `--model="a b"` is a flag, `"--x"` is not.
    if (raw.startsWith("-")) {
      const eq = tok.value.indexOf("=");
      const name = (eq >= 0 ? tok.value.slice(0, eq) : tok.value).toLowerCase();
      const inline = eq >= 0 ? tok.value.slice(eq + 1) : undefined;
      if (!(RUN_FLAGS as readonly string[]).includes(name))
        return { ok: false, error: unknownFlag(tok.value, name) };
      const flag = name as RunFlag;
      if (seen.has(flag)) return { ok: false, error: `Flag "${flag}" is given twice; keep one. ${HELP}` };
      seen.add(flag);

      if (flag === "--dry-run") {
        if (inline !== undefined) {
          return {
            ok: false,
            error: `Flag "--dry-run" takes no value, got ${show(tok.value)}. Write just "--dry-run". ${HELP}`,
          };
        }
        cmd.dryRun = true;
        continue;
      }

      let value: string;
      if (inline !== undefined) {
        value = inline;
      } else {
        const v = nextToken(text, pos);
        if (!v.ok) return { ok: false, error: v.error };
        if (v.token === null || text.startsWith("--", v.token.start))
          return { ok: false, error: missingValue(flag) };
        value = v.token.value;
        pos = v.token.end;
      }
      const err = applyFlag(cmd, flag, value);
      if (err !== null) return { ok: false, error: err };
      continue;
    }

    if (cmd.playbook !== undefined) {
      return {
        ok: false,
        error:
          `Unexpected ${show(tok.value)}: "/maestro run" takes one playbook name (got ${show(cmd.playbook)} already). ` +
          `Put free text for the playbook after "--", e.g. "/maestro run ${cmd.playbook} -- ${clip(tok.value)} …". ${HELP}`,
      };
    }
    const invalid = validatePlaybookName(tok.value);
    if (invalid !== null) return { ok: false, error: `${invalid} ${HELP}` };
    cmd.playbook = tok.value;
  }
  return { ok: true, command: cmd };
}

function applyFlag(
  cmd: Extract<MaestroCommand, { verb: "run" }>,
  flag: Exclude<RunFlag, "--dry-run">,
  value: string,
): string | null {
  if (value === "") return missingValue(flag);
  switch (flag) {
    case "--agent": {
      const agent = value.toLowerCase();
      if (!(AGENT_NAMES as readonly string[]).includes(agent)) {
        return `Unknown agent ${show(value)} for "--agent".${didYouMean(value, AGENT_NAMES)} Agents: ${AGENT_NAMES.join(", ")}.`;
      }
      cmd.agent = agent as AgentName;
      return null;
    }
    case "--model":
      if (!MODEL_RE.test(value)) {
        return (
          `Model ${show(value)} for "--model" is not valid: use the model's id as the agent knows it ` +
          `(letters, digits and . _ : / @ + -, e.g. claude-sonnet-4-5). ${HELP}`
        );
      }
      cmd.model = value;
      return null;
    case "--max-cost": {
      const n = COST_RE.test(value) ? Number(value.replace(/^\$/, "")) : NaN;
      if (!Number.isFinite(n) || n <= 0 || n > MAX_COST_LIMIT_USD) {
        return (
          `"--max-cost" must be a positive number of US dollars up to ${MAX_COST_LIMIT_USD}, got ${show(value)}. ` +
          `Example: --max-cost 2.50. ${HELP}`
        );
      }
      cmd.maxCostUsd = n;
      return null;
    }
  }
}

function unknownVerb(word: string): string {
  const suggestion = didYouMean(word, VERBS);
  if (suggestion !== "") return `Unknown command ${show(word)}.${suggestion} ${HELP}`;
  if (validatePlaybookName(word) === null) {
    return `Unknown command ${show(word)}. To run the playbook "${word}", write "/maestro run ${word}". ${HELP}`;
  }
  return `Unknown command ${show(word)}. Commands: ${VERBS.join(", ")}. ${HELP}`;
}

function unknownFlag(token: string, name: string): string {
  const suggestion = didYouMean(name, RUN_FLAGS);
  const known = suggestion !== "" ? suggestion : ` Flags of /maestro run: ${RUN_FLAGS.join(", ")}.`;
  const freeText = suggestion !== "" ? "" : ` To pass free text, put it after "--".`;
  return `Unknown flag ${show(token)}.${known}${freeText} ${HELP}`;
}

function missingValue(flag: RunFlag): string {
  const example =
    flag === "--agent" ? "--agent codex" : flag === "--model" ? "--model claude-sonnet-4-5" : "--max-cost 2";
  return `Flag "${flag}" needs a value, e.g. "${example}". ${HELP}`;
}

function show(s: string): string {
  return JSON.stringify(clip(s));
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
