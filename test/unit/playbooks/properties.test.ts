// Property-based tests of the playbook module (fast-check). numRuns stays modest so the suite is fast.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { AGENT_NAMES } from "../../../src/agents/types.js";
import { PlaybookError } from "../../../src/playbooks/errors.js";
import type { FrontMatter } from "../../../src/playbooks/front-matter.js";
import { parsePlaybook } from "../../../src/playbooks/parse.js";
import { renderPlaybook } from "../../../src/playbooks/render.js";
import { tickTask } from "../../../src/playbooks/tick.js";

/** FC_RUNS=n runs every property n times (for a deeper local check); the defaults keep the suite fast. */
const runs = (n: number): number => Number(process.env.FC_RUNS ?? n);

// ---- realistic text --------------------------------------------------------------------------

const word = fc.constantFrom(
  "fix",
  "the",
  "linter",
  "packages/core",
  "README.md",
  "tests",
  "Réparer",
  "l’API",
  "日本語",
  "🚀",
  "naïve",
  "über",
  "src/a_b.ts",
  "v1.2.3",
  "foo-bar",
  "x",
  "I",
  "Ω",
);
const token = fc.oneof(
  { weight: 6, arbitrary: word },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "`code`",
      "`",
      "``",
      "[",
      "]",
      "[x]",
      "[ ]",
      "(",
      ")",
      "[link](https://example.com)",
      "*",
      "**bold**",
      "_it_",
      "#",
      "#12",
      "<",
      ">",
      "<b>",
      "</b>",
      "<!--",
      "-->",
      "\\",
      "\\*",
      "&amp;",
      "-",
      "+",
      "1.",
      "2)",
      "~",
      "~~~",
      "```",
      "|",
      "{{args}}",
      "{{issue.title}}",
      ".",
      ",",
      ":",
      ";",
      "!",
      "?",
      '"',
      "'",
      "=",
      "---",
      "@user",
    ),
  },
);
const tokens = (min: number, max: number) =>
  fc.array(token, { minLength: min, maxLength: max }).map((t) => t.join(" "));
/** A line that starts with a word, so it cannot start a block by itself. */
const proseLine = fc.tuple(word, tokens(0, 8)).map(([w, rest]) => `${w} ${rest}`.trim());

const fenceBody = fc.array(
  fc.oneof(proseLine, fc.constantFrom("- [ ] fenced task", "# not a heading", "  indented", "> quote", "")),
  { maxLength: 4 },
);
const fenced = fc
  .tuple(fc.constantFrom("```", "~~~", "````"), fc.constantFrom("", "sh", "markdown"), fenceBody)
  .map(([f, info, lines]) => {
    const safe = lines.filter((l) => !l.startsWith(f[0]!.repeat(3)));
    return [`${f}${info}`, ...safe, f].join("\n");
  });

const contextBlock = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 6 }), proseLine).map(([n, l]) => `${"#".repeat(n)} ${l}`),
  fc.array(proseLine, { minLength: 1, maxLength: 3 }).map((ls) => ls.join("\n")),
  fenced,
  proseLine.map((l) => `> ${l}\n> - [ ] quoted task`),
  fc.array(fc.tuple(fc.constantFrom("-", "*"), proseLine), { minLength: 1, maxLength: 3 }).map((items) => {
    const bullet = items[0]![0];
    return items.map(([, l]) => `${bullet} ${l}`).join("\n");
  }),
  proseLine.map((l) => `1. [ ] ${l}\n2. [x] numbered`),
  fc.constant("    - [ ] indented code"),
);
const context = fc.array(contextBlock, { maxLength: 5 }).map((bs) => bs.join("\n\n"));

const taskText = fc
  .tuple(tokens(1, 10), fc.array(proseLine, { maxLength: 2 }))
  .map(([first, rest]) => [first, ...rest].join("\n"));

const subList = fc
  .array(fc.tuple(fc.constantFrom("- ", "- [ ] ", "- [x] ", "* "), proseLine, fc.option(proseLine)), {
    minLength: 1,
    maxLength: 3,
  })
  .map((items) => {
    const bullet = items[0]![0].startsWith("*") ? "*" : "-";
    return items
      .map(([m, l, sub]) => `${bullet}${m.slice(1)}${l}${sub === null ? "" : `\n  - ${sub}`}`)
      .join("\n");
  });
const detailsBlock = fc.oneof(
  subList,
  fc.array(proseLine, { minLength: 1, maxLength: 2 }).map((ls) => ls.join("\n")),
  fenced,
);
const details = fc.oneof(
  fc.constant(""),
  fc.array(detailsBlock, { minLength: 1, maxLength: 3 }).map((bs) => bs.join("\n\n")),
);

const task = fc.record({ text: taskText.filter((t) => t.trim() !== ""), details, done: fc.boolean() });

const positive = fc.oneof(
  fc.integer({ min: 1, max: 10_000 }),
  fc.double({ min: 0.001, max: 1e6, noNaN: true, noDefaultInfinity: true }),
);
const frontMatter: fc.Arbitrary<FrontMatter> = fc.record(
  {
    description: fc.string({ unit: "grapheme", maxLength: 40 }),
    agent: fc.constantFrom(...AGENT_NAMES),
    model: fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
    verify: fc.array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), { maxLength: 3 }),
    maxCostUsd: positive,
    taskTimeoutMinutes: positive,
    onTaskFailure: fc.constantFrom("stop" as const, "continue" as const),
  },
  { requiredKeys: [] },
);

const playbookModel = fc.record({ frontMatter, context, tasks: fc.array(task, { maxLength: 6 }) });

const modelOf = (p: ReturnType<typeof parsePlaybook>) => ({
  frontMatter: p.frontMatter,
  context: p.context,
  tasks: p.tasks.map(({ text, details, done }) => ({ text, details, done })),
});

// ---- random Markdown ---------------------------------------------------------------------------

const mdPiece = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "- [ ] ",
      "* [x] ",
      "+ [X] ",
      "- ",
      "1. [ ] ",
      "  ",
      "    ",
      "\t",
      "> ",
      "```",
      "~~~",
      "---",
      "[",
      "]",
      " ",
      "x",
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom("\n", "\r\n", "\n\n") },
  { weight: 2, arbitrary: word },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "<!--",
      "-->",
      "<div>",
      "agent: codex",
      "maxCostUsd: x",
      ":",
      "&",
      "*",
      "\\",
      "\u0000",
      "\uFEFF",
      "\r",
    ),
  },
);
const markdown = fc.oneof(
  fc.array(mdPiece, { maxLength: 60 }).map((p) => p.join("")),
  fc
    .tuple(fc.array(mdPiece, { maxLength: 10 }), fc.array(mdPiece, { maxLength: 40 }))
    .map(([fm, body]) => `---\n${fm.join("")}\n---\n${body.join("")}`),
  fc.string({ unit: "binary", maxLength: 200 }),
);

describe("playbook properties", () => {
  it("parsePlaybook(renderPlaybook(m)) gives m back", () => {
    fc.assert(
      fc.property(playbookModel, (m) => {
        const rendered = renderPlaybook(m);
        expect(modelOf(parsePlaybook(rendered))).toEqual(m);
      }),
      { numRuns: runs(150) },
    );
  });

  it("render keeps the task count and first lines for any task text, escaping the rest", () => {
    const anyLine = tokens(1, 6);
    const anyTask = fc.record({
      text: fc.array(anyLine, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("\n")),
      details: fc.constant(""),
      done: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(anyTask, { minLength: 1, maxLength: 5 }), (tasks) => {
        const p = parsePlaybook(renderPlaybook({ frontMatter: {}, context: "", tasks }));
        expect(p.tasks.map((t) => t.done)).toEqual(tasks.map((t) => t.done));
        expect(p.tasks.map((t) => t.text.split("\n")[0])).toEqual(tasks.map((t) => t.text.split("\n")[0]));
        expect(p.tasks.map((t) => t.text.split("\n").length)).toEqual(
          tasks.map((t) => t.text.split("\n").length),
        );
      }),
      { numRuns: runs(100) },
    );
  });

  it("parsePlaybook never throws anything but PlaybookError, and its tasks are consistent", () => {
    fc.assert(
      fc.property(markdown, (source) => {
        let p;
        try {
          p = parsePlaybook(source);
        } catch (err) {
          expect(err).toBeInstanceOf(PlaybookError);
          expect((err as PlaybookError).line ?? 1).toBeGreaterThanOrEqual(1);
          return;
        }
        expect(p.source).toBe(source);
        p.tasks.forEach((t, i) => {
          expect(t.index).toBe(i);
          expect(source[t.checkOffset - 1]).toBe("[");
          expect(source[t.checkOffset + 1]).toBe("]");
          // Non-empty, trimmed of Markdown whitespace (other Unicode spaces, e.g. U+FEFF, are content to micromark).
          expect(t.text).toMatch(/^[^ \t\n][\s\S]*$/);
          expect(t.text).not.toMatch(/[ \t\n]$/);
          expect(t.line).toBeGreaterThanOrEqual(1);
          if (i > 0) expect(t.line).toBeGreaterThan(p.tasks[i - 1]!.line);
        });
      }),
      { numRuns: runs(300) },
    );
  });

  it("tickTask changes exactly one character and only that task's state", () => {
    const withTasks = fc
      .tuple(markdown, playbookModel)
      .map(([junk, m]) => (m.tasks.length > 0 ? renderPlaybook(m) : `${junk}\n\n- [ ] t\n`));
    fc.assert(
      fc.property(withTasks, fc.nat(), (source, pick) => {
        let p;
        try {
          p = parsePlaybook(source);
        } catch {
          return;
        }
        fc.pre(p.tasks.length > 0);
        const t = p.tasks[pick % p.tasks.length]!;
        const out = tickTask(source, t, !t.done);
        expect(out.length).toBe(source.length);
        const changed = Array.from({ length: out.length }, (_c, i) => i).filter((i) => out[i] !== source[i]);
        expect(changed).toEqual([t.checkOffset]);
        const after = parsePlaybook(out);
        expect(after.context).toBe(p.context);
        expect(after.tasks.map((x) => ({ ...x, done: x.index === t.index ? !x.done : x.done }))).toEqual(
          p.tasks,
        );
      }),
      { numRuns: runs(100) },
    );
  });
});
