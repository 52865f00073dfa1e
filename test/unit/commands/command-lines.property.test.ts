// The command-line scanner (src/commands/command-lines.ts) on hostile and generated Markdown:
// - linear time: on adversarial repetitions, 8× the input costs at most 16× the time (and a 64 KB
//   comment a few milliseconds), where the Markdown parser it replaced took 9–19 s;
// - the same answers as that parser (mdast-util-from-markdown) on generated Markdown made of the
//   constructs that decide whether a line is code: fences, indented code, lists, quotes, HTML blocks,
//   code spans and comments over several lines, with tabs and CRLF.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { fromMarkdown } from "mdast-util-from-markdown";
import { findCommandLines, MAX_DEPTH } from "../../../src/commands/command-lines.js";
import { parseCommands } from "../../../src/commands/parse.js";
import { MAX_COMMANDS_PER_TRIGGER } from "../../../src/handlers/command-router.js";

const K = 1024;

/** Best of `runs` timings of fn, in ms. */
function bestOf(runs: number, fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** Characters Markdown gives meaning to, and a few that are plain. */
const markdownish = fc.constantFrom(
  ">",
  "*",
  "_",
  "a",
  "`",
  "~",
  "-",
  "+",
  "=",
  "#",
  "1",
  ".",
  ")",
  " ",
  "\t",
  "\n",
  "\r\n",
  "<",
  "!",
  "?",
  "[",
  "]",
  "(",
  "\\",
  "/maestro help",
  "<!--",
  "-->",
  "```",
  "    ",
);
/** A short unit that, repeated, makes an adversarial comment. */
const adversarialUnit = fc.array(markdownish, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(""));

describe("findCommandLines: time", () => {
  it("is linear on adversarial repetitions: 8× the input within 16× the time, 64 KB within milliseconds", () => {
    // What the webhook handlers do with a comment: find the command lines, read the first few.
    const parse = (body: string) => parseCommands(body, { limit: MAX_COMMANDS_PER_TRIGGER });
    // Warm the JIT so the first measurement is not the compiler's.
    for (let i = 0; i < 5; i++) parse(`/maestro help\n${repeatTo("*a> `", 16 * K)}`);
    fc.assert(
      fc.property(adversarialUnit, fc.boolean(), (unit, commandFirst) => {
        const prefix = commandFirst ? "/maestro help\n" : "";
        const small = prefix + repeatTo(unit, 8 * K);
        const large = prefix + repeatTo(unit, 64 * K);
        // No crash, and every result is a command line of the body.
        const results = parse(large);
        for (const r of results) expect(r.raw.toLowerCase().startsWith("/maestro")).toBe(true);
        const t1 = bestOf(5, () => parse(small));
        const t8 = bestOf(5, () => parse(large));
        // Generous: linear is 8×; timer granularity and a GC pause on a busy CI machine get a fixed slack
        // (25 ms; a super-linear scan of 64 KB takes seconds, and the absolute bound below still holds).
        expect(t8).toBeLessThanOrEqual(16 * t1 + 25);
        expect(t8).toBeLessThan(100);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ["`>` nesting (19 s in the Markdown parser)", (n: number) => repeatTo(">", n)],
    ["`*a` emphasis (9 s)", (n: number) => repeatTo("*a", n)],
    ["`>` lines", (n: number) => repeatTo(">\n", n)],
    [
      "nested list items, then blank lines",
      (n: number) => `${"- ".repeat(n / 32)}x${"\n".repeat(n - n / 16)}`,
    ],
    [
      "backtick runs of every length",
      (n: number) => repeatTo(Array.from({ length: 200 }, (_, i) => "`".repeat(i + 1) + "x").join(""), n),
    ],
    ["unclosed HTML comments", (n: number) => repeatTo("a <!--\n", n)],
    ["quoted attribute values", (n: number) => repeatTo("<a b='x' c=\"", n)],
    ["a command on every line", (n: number) => repeatTo("/maestro help\n", n)],
  ])("%s: 8 KB → 64 KB scales linearly", (_what, make) => {
    const small = `/maestro help\n${make(8 * K)}`;
    const large = `/maestro help\n${make(64 * K)}`;
    for (let i = 0; i < 3; i++) findCommandLines(small);
    const t1 = bestOf(5, () => findCommandLines(small));
    const t8 = bestOf(5, () => findCommandLines(large));
    expect(t8).toBeLessThanOrEqual(16 * t1 + 5);
    expect(t8).toBeLessThan(50);
    expect(findCommandLines(large)[0]).toEqual({ line: 1, text: "/maestro help" });
  });
});

// The parser this scanner replaced, as the reference: a line is hidden when it is in a code block, or
// after the first line of a code span or an HTML comment. (One deliberate difference: an HTML comment
// indented by 1–3 spaces hides its lines too; the old code looked for `<!--` at the node's very start.)
function referenceCommandLines(body: string): number[] {
  const lines = body.split(/\r\n|\r|\n/);
  const candidates = lines.flatMap((l, i) => (/^\/maestro(?=\s|$)/iu.test(l.trim()) ? [i + 1] : []));
  if (candidates.length === 0) return [];
  interface Node {
    type: string;
    value?: string;
    position?: { start: { line: number }; end: { line: number } };
    children?: Node[];
  }
  const hidden = new Set<number>();
  const stack: Node[] = [fromMarkdown(body) as Node];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const pos = node.position;
    if (pos) {
      let from: number | null = null;
      if (node.type === "code") from = pos.start.line;
      else if (node.type === "inlineCode") from = pos.start.line + 1;
      else if (node.type === "html" && node.value?.trimStart().startsWith("<!--")) from = pos.start.line + 1;
      if (from !== null) for (let l = from; l <= pos.end.line; l++) hidden.add(l);
    }
    if (node.children) stack.push(...node.children);
  }
  return candidates.filter((l) => !hidden.has(l));
}

const prefixes = [
  ...["", "", "", " ", "  ", "   ", "    ", "     ", "      ", "\t", " \t", "\t\t"],
  ...["> ", ">", "> > ", ">    ", ">\t", "  > ", "   >", "> > > "],
  ...["- ", "-   ", "-     ", "-\t", "-", "* ", "*\t", "+ ", " -   ", "  - ", "    - ", "- - "],
  ...["1. ", "2) ", "1.  ", "10. ", "1) > ", "- > ", "> - "],
];
const contents = [
  ...["/maestro run a", "/maestro run a", "/maestro help", "text", "", "", "x`", "`x", "``", "`` y", "a ``b"],
  ...["```", "~~~", "````", "``` js", "```x`", "``````", "\\`", "\\``a"],
  ...["<!--", "-->", "<!-- x -->", "<!-->", "a <!-- b", "c --> d"],
  ...["<div>", "</div>", "<pre>", "</pre>", "<script>", "</script>", "<br>", "<span>", '<a href="x">'],
  ...["<x y='a'/>", "<?", "?>", "<!X", "<![CDATA[", "]]>"],
  ...["---", "===", "***", "- - -", "# h", "#x", "- [ ] x", "1. x", "2. x", "* x", "-", ">"],
];
const line = fc
  .tuple(
    fc.constantFrom(...prefixes),
    fc.constantFrom(...prefixes.slice(0, 12)),
    fc.constantFrom(...contents),
    fc.constantFrom(...contents),
    fc.nat(3),
  )
  .map(([p, p2, c, c2, shape]) =>
    shape <= 1 ? p + c : shape === 2 ? `${p}${p2}${c} ${c2}` : `${p2}${p}${p2}${c}${c2}`,
  );
const markdown = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 12 }), fc.constantFrom("\n", "\r\n"))
  .map(([ls, nl]) => ls.join(nl));

describe("findCommandLines: what is code", () => {
  it("agrees with the CommonMark parser on generated Markdown", () => {
    fc.assert(
      fc.property(markdown, (body) => {
        expect(findCommandLines(body).map((c) => c.line)).toEqual(referenceCommandLines(body));
      }),
      { numRuns: 4000 },
    );
  });

  it("hides commands in code and comments, wherever the containers put them", () => {
    const lines = (body: string) => findCommandLines(body).map((c) => c.line);
    expect(lines("- item\n\n      /maestro run a")).toEqual([]); // indented code in an item
    expect(lines("- item\n\n    /maestro run a")).toEqual([3]); // a paragraph of the item
    expect(lines("Text\n    /maestro run a")).toEqual([2]); // indented code cannot interrupt a paragraph
    expect(lines("> ```\n/maestro run a")).toEqual([2]); // the quote, and its fence, end
    expect(lines("- ```\n  /maestro run a\n/maestro help")).toEqual([3]);
    expect(lines("  <!--\n/maestro run a\n-->\n/maestro help")).toEqual([4]);
    expect(lines("a `x\n\n/maestro run a`")).toEqual([3]); // a blank line ends the paragraph and the span
    expect(lines("\\`x\n/maestro run a`")).toEqual([2]); // an escaped backtick opens nothing
    expect(lines("``x\n/maestro run a`")).toEqual([2]); // a span closes on a run of the same length
    expect(lines("x <!-->\n/maestro run a")).toEqual([2]); // `<!-->` is a whole comment
  });

  it(`follows ${MAX_DEPTH} levels of quotes and lists; deeper markers are text`, () => {
    const deep = "> ".repeat(MAX_DEPTH + 5);
    expect(findCommandLines(`${deep}x\n/maestro run a`).map((c) => c.line)).toEqual([2]);
    const list = Array.from({ length: MAX_DEPTH }, (_, i) => `${"  ".repeat(i)}- x`).join("\n");
    expect(findCommandLines(`${list}\n\n${"  ".repeat(MAX_DEPTH)}    /maestro run a`)).toEqual([]);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 400 }),
          fc.string({ unit: "grapheme", maxLength: 400 }),
          fc.array(markdownish, { maxLength: 80 }).map((p) => p.join("")),
        ),
        (body) => {
          const lines = body.split(/\r\n|\r|\n/);
          for (const c of findCommandLines(body)) expect(lines[c.line - 1]!.trim()).toBe(c.text);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
