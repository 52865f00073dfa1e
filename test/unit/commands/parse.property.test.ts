// Property tests of the slash-command grammar: generated valid commands parse to what was generated,
// and no input (random, unicode, or a mutated valid command) makes the parser throw or fail silently.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { AGENT_NAMES } from "../../../src/agents/types.js";
import { formatCommand } from "../../../src/commands/format.js";
import { parseCommands } from "../../../src/commands/parse.js";
import { VERBS, type CommandParseResult, type MaestroCommand } from "../../../src/commands/types.js";

const NUM_RUNS = 500;

interface Generated {
  line: string;
  command: MaestroCommand;
}

const ws = fc.constantFrom(" ", "  ", "\t", " \t ");
const join = (parts: string[], seps: string[]) =>
  parts.reduce((acc, p, i) => acc + (seps[i % seps.length] ?? " ") + p);
const mixed = (s: string) => fc.mixedCase(fc.constant(s));

const playbookName = fc
  .stringMatching(/^[a-z0-9][a-z0-9._-]{0,63}$/)
  .filter((s) => !s.includes("..") && !s.endsWith(".md"));
const modelId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,40}$/);
const runId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/);
const cents = fc.integer({ min: 1, max: 100_000 }).map((c) => c / 100);
/** Free text on one line: any unicode except line breaks, non-empty once trimmed. */
const freeText = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
  .map((s) => s.replace(/[\r\n]/g, " "))
  .filter((s) => s.trim() !== "");

/** A flag value written in one of the ways a user may write it. */
function flagToken(flag: string, value: string): fc.Arbitrary<string> {
  return fc.constantFrom(
    `${flag} ${value}`,
    `${flag}=${value}`,
    `${flag} '${value}'`,
    `${flag} "${value}"`,
    `${flag}="${value}"`,
  );
}

const runCommand: fc.Arbitrary<Generated> = fc
  .record({
    prefix: mixed("/maestro"),
    verb: mixed("run"),
    playbook: fc.option(playbookName, { nil: undefined }),
    agent: fc.option(fc.constantFrom(...AGENT_NAMES), { nil: undefined }),
    agentCase: fc.boolean(),
    model: fc.option(modelId, { nil: undefined }),
    maxCost: fc.option(cents, { nil: undefined }),
    dollar: fc.boolean(),
    dryRun: fc.boolean(),
    args: fc.option(freeText, { nil: undefined }),
    seps: fc.array(ws, { minLength: 1, maxLength: 6 }),
    indent: fc.constantFrom("", " ", "   "),
  })
  .chain((g) => {
    const tokens: fc.Arbitrary<string>[] = [];
    if (g.playbook !== undefined) tokens.push(fc.constant(g.playbook));
    if (g.agent !== undefined)
      tokens.push(flagToken("--agent", g.agentCase ? g.agent.toUpperCase() : g.agent));
    if (g.model !== undefined) tokens.push(flagToken("--model", g.model));
    if (g.maxCost !== undefined) tokens.push(flagToken("--max-cost", `${g.dollar ? "$" : ""}${g.maxCost}`));
    if (g.dryRun) tokens.push(mixed("--dry-run"));
    return fc.tuple(...tokens).chain((ts) =>
      fc.shuffledSubarray(ts, { minLength: ts.length, maxLength: ts.length }).map((order) => {
        const parts = [g.prefix, g.verb, ...order];
        if (g.args !== undefined) parts.push("--", g.args);
        const command: MaestroCommand = { verb: "run", dryRun: g.dryRun };
        if (g.playbook !== undefined) command.playbook = g.playbook;
        if (g.agent !== undefined) command.agent = g.agent;
        if (g.model !== undefined) command.model = g.model;
        if (g.maxCost !== undefined) command.maxCostUsd = g.maxCost;
        if (g.args !== undefined && g.args.trim() !== "") command.args = g.args.trim();
        return { line: g.indent + join(parts, g.seps), command };
      }),
    );
  });

const otherCommand: fc.Arbitrary<Generated> = fc.oneof(
  fc.tuple(mixed("/maestro"), mixed("fix"), ws, freeText).map(([p, v, s, text]) => ({
    line: `${p} ${v}${s}${text}`,
    command: { verb: "fix" as const, text: text.trim() },
  })),
  fc
    .tuple(
      mixed("/maestro"),
      fc.constantFrom("retry" as const, "cancel" as const),
      fc.option(runId, { nil: undefined }),
      ws,
    )
    .map(([p, verb, id, s]) => ({
      line: `${p} ${verb}${id !== undefined ? s + id : ""}`,
      command: id !== undefined ? { verb, runId: id } : { verb },
    })),
  fc
    .tuple(mixed("/maestro"), fc.constantFrom("status" as const, "list" as const, "help" as const), ws)
    .map(([p, verb, s]) => ({
      line: `${p}${s}${verb}${s}`,
      command: { verb },
    })),
);

const anyCommand = fc.oneof(runCommand, otherCommand);
/** Prose lines that cannot open code blocks or quotes. */
const prose = fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z ,.!?]{0,30}$/), { maxLength: 3 });

/** Checks the invariants every result must hold, whatever the input. */
function checkInvariants(body: string, results: CommandParseResult[]): void {
  const lines = body.split(/\r\n|\r|\n/);
  for (const r of results) {
    expect(Number.isInteger(r.line) && r.line >= 1 && r.line <= lines.length).toBe(true);
    expect(lines[r.line - 1]!.trim()).toBe(r.raw);
    expect(r.raw.toLowerCase().startsWith("/maestro")).toBe(true);
    if (r.ok) {
      expect(VERBS).toContain(r.command.verb);
    } else {
      expect(typeof r.error).toBe("string");
      expect(r.error.trim().length).toBeGreaterThan(10);
    }
  }
}

describe("parseCommands properties", () => {
  it("parses every generated valid command to the generated structure, with prose around it", () => {
    fc.assert(
      fc.property(anyCommand, prose, prose, fc.constantFrom("\n", "\r\n"), (g, before, after, nl) => {
        const body = [...before, g.line, ...after].join(nl);
        const results = parseCommands(body);
        expect(results).toHaveLength(1);
        const r = results[0]!;
        if (!r.ok) throw new Error(`${JSON.stringify(g.line)} was refused: ${r.error}`);
        expect(r.command).toEqual(g.command);
        expect(r.line).toBe(before.length + 1);
        checkInvariants(body, results);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("formatCommand writes text that parses back to the same command", () => {
    fc.assert(
      fc.property(anyCommand, (g) => {
        const r = parseCommands(formatCommand(g.command));
        expect(r).toHaveLength(1);
        expect(r[0]).toMatchObject({ ok: true, command: g.command });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("never runs a generated command that is blockquoted or inside a code fence", () => {
    fc.assert(
      fc.property(
        anyCommand,
        fc.constantFrom("> ", ">", "> > ", " > "),
        fc.constantFrom("```", "~~~", "````"),
        (g, quote, fence) => {
          expect(parseCommands(`${quote}${g.line.trimStart()}`)).toEqual([]);
          expect(parseCommands(`${fence}\n${g.line}\n${fence}`)).toEqual([]);
          expect(parseCommands(`Earlier:\n\n${quote}${g.line.trimStart()}\n\nNo.`)).toEqual([]);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("never throws on arbitrary strings (unicode, binary, line breaks) and every refusal explains itself", () => {
    const arbitraryBody = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({ unit: "grapheme", maxLength: 300 }),
      fc
        .array(
          fc.oneof(
            fc.string({ unit: "grapheme", maxLength: 40 }),
            fc.constant("/maestro"),
            fc.constant("```"),
          ),
          { maxLength: 10 },
        )
        .map((parts) => parts.join("\n")),
      fc.string({ unit: "grapheme", maxLength: 60 }).map((s) => `/maestro ${s}`),
      fc.string({ unit: "grapheme", maxLength: 60 }).map((s) => `/maestro run ${s}`),
    );
    fc.assert(
      fc.property(arbitraryBody, (body) => {
        const results = parseCommands(body);
        checkInvariants(body, results);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("never throws on mutated valid commands, and every refusal explains itself", () => {
    const noise = fc.constantFrom(
      "'",
      '"',
      "\\",
      "--",
      "-",
      "=",
      " ",
      "--agent",
      "--x",
      "$",
      "`",
      "\u0000",
      "\u{1F600}",
      "é",
      "\u200b",
      "\n",
    );
    const mutation = fc.oneof(
      fc.tuple(fc.constant("insert" as const), fc.nat(), noise),
      fc.tuple(fc.constant("delete" as const), fc.nat(), fc.integer({ min: 1, max: 5 })),
      fc.tuple(fc.constant("duplicate" as const), fc.nat(), fc.integer({ min: 1, max: 12 })),
    );
    fc.assert(
      fc.property(anyCommand, fc.array(mutation, { minLength: 1, maxLength: 4 }), (g, mutations) => {
        let s = g.line;
        for (const [kind, at, arg] of mutations) {
          const i = s.length === 0 ? 0 : at % (s.length + 1);
          if (kind === "insert") s = s.slice(0, i) + arg + s.slice(i);
          else if (kind === "delete") s = s.slice(0, i) + s.slice(i + arg);
          else s = s.slice(0, i) + s.slice(i, i + arg) + s.slice(i);
        }
        const results = parseCommands(s);
        checkInvariants(s, results);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
