import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { LiteralMatcher, type Span } from "../../../src/security/literal-matcher.js";

/** Every occurrence of every pattern, found the slow way, merged where they overlap. */
function naiveSpans(text: string, patterns: string[]): Span[] {
  const covered: Span[] = [];
  for (const p of patterns.filter((x) => x.length > 0)) {
    for (let i = text.indexOf(p); i >= 0; i = text.indexOf(p, i + 1)) covered.push([i, i + p.length]);
  }
  covered.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: Span[] = [];
  for (const [s, e] of covered) {
    const last = out.at(-1);
    if (last && s < last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

describe("LiteralMatcher", () => {
  it("merges overlapping matches, including a longer one starting earlier", () => {
    const m = new LiteralMatcher(["bc", "abcd", "de"]);
    expect(m.spans("xabcdefx bc")).toEqual([
      [1, 6],
      [9, 11],
    ]);
    expect([...m.found("xbcx")]).toEqual([0]);
    expect([...m.found("abcde")].sort()).toEqual([0, 1, 2]);
  });

  it("property: spans and found agree with a naive search", () => {
    const small = fc.string({ unit: fc.constantFrom("a", "b", "c"), maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(small, { maxLength: 5 }),
        fc.string({ unit: fc.constantFrom("a", "b", "c", "x") }),
        (patterns, text) => {
          const m = new LiteralMatcher(patterns);
          expect(m.spans(text)).toEqual(naiveSpans(text, patterns));
          const expected = patterns.flatMap((p, id) => (p.length > 0 && text.includes(p) ? [id] : []));
          expect([...m.found(text)].sort((a, b) => a - b)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
