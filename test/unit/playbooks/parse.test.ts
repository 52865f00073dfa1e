import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { PlaybookError } from "../../../src/playbooks/errors.js";
import { assertRunnable, parsePlaybook } from "../../../src/playbooks/parse.js";

const fixture = (name: string): string =>
  readFileSync(join(process.cwd(), "test/fixtures/playbooks", name), "utf8");

function errorOf(fn: () => unknown): PlaybookError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlaybookError) return err;
    throw err;
  }
  throw new Error("expected a PlaybookError");
}

describe("parsePlaybook: the DESIGN §3 example", () => {
  const source = fixture("lint-cleanup.md");
  const p = parsePlaybook(source, { file: "playbooks/lint-cleanup.md" });

  it("reads the front matter", () => {
    expect(p.frontMatter).toEqual({
      description: "Fix every lint error, one package at a time",
      agent: "claude-code",
      model: "claude-sonnet-4-5",
      verify: ["npm test"],
      maxCostUsd: 3,
      taskTimeoutMinutes: 20,
      onTaskFailure: "stop",
    });
  });

  it("takes the name from the file and keeps the source byte for byte", () => {
    expect(p.name).toBe("lint-cleanup");
    expect(p.file).toBe("playbooks/lint-cleanup.md");
    expect(p.source).toBe(source);
  });

  it("finds the three tasks with their details, state and lines", () => {
    expect(
      p.tasks.map(({ index, text, details, done, line }) => ({ index, text, details, done, line })),
    ).toEqual([
      {
        index: 0,
        text: "Run the linter on packages/core and fix what it reports",
        details: "",
        done: false,
        line: 13,
      },
      {
        index: 1,
        text: "Run the linter on packages/cli and fix what it reports",
        details: "- sub-bullets belong to the task above and are sent with it",
        done: false,
        line: 14,
      },
      { index: 2, text: "A ticked item is already done and is skipped", details: "", done: true, line: 16 },
    ]);
  });

  it("points checkOffset at the character between the brackets", () => {
    for (const t of p.tasks) {
      expect(source.slice(t.checkOffset - 1, t.checkOffset + 2)).toBe(t.done ? "[x]" : "[ ]");
      expect(source.split("\n")[t.line - 1]).toContain(t.text);
    }
  });

  it("keeps the prose, without the tasks, as context", () => {
    expect(p.context).toBe(
      "# Lint clean-up\nContext for every task goes in prose like this paragraph. It is sent with each task.",
    );
  });
});

describe("parsePlaybook: what regexes get wrong", () => {
  const source = fixture("tricky.md");
  const p = parsePlaybook(source, { name: "tricky" });

  it("only takes top-level bullet task items", () => {
    expect(p.tasks.map((t) => t.text)).toEqual([
      "First task\nwith an indented continuation line\nand a lazy continuation line",
      "Second task, star bullet, done",
      "Third task, plus bullet",
    ]);
    expect(p.tasks.map((t) => [t.index, t.done, t.line])).toEqual([
      [0, false, 26],
      [1, true, 34],
      [2, false, 35],
    ]);
  });

  it("puts nested checklists, sub-bullets, later paragraphs and fences in details, dedented", () => {
    expect(p.tasks[0]!.details).toBe(
      "- [ ] nested checklist is a detail\n- another detail\n\nA second paragraph of the first task.",
    );
    expect(p.tasks[2]!.details).toBe("```sh\n- [ ] fenced inside a task is a detail\n```");
  });

  it("keeps fenced, indented, quoted, commented and numbered checkboxes as prose in the context", () => {
    for (const s of [
      "- [ ] inside a backtick fence",
      "- [ ] inside a tilde fence",
      "    - [ ] inside indented code",
      "> - [ ] inside a block quote",
      "- [ ] inside an HTML comment",
      "1. [ ] numbered items are prose too",
      "- [not a checkbox] just brackets",
      "Closing prose after the tasks.",
    ]) {
      expect(p.context).toContain(s);
    }
    expect(p.context).not.toContain("First task");
    expect(p.context).not.toContain("Second task");
    expect(p.context).not.toContain("A second paragraph");
    expect(p.context.endsWith("1. [ ] numbered items are prose too\n\nClosing prose after the tasks.")).toBe(
      true,
    );
  });

  it("ticks offsets into the right lines", () => {
    for (const t of p.tasks) {
      const lineStart =
        source
          .split("\n")
          .slice(0, t.line - 1)
          .join("\n").length + 1;
      expect(t.checkOffset).toBeGreaterThan(lineStart);
      expect(source[t.checkOffset - 1]).toBe("[");
      expect(source[t.checkOffset + 1]).toBe("]");
    }
  });
});

describe("parsePlaybook: list shapes", () => {
  it("treats ordered-list checkboxes as prose (bullets only)", () => {
    const p = parsePlaybook("1. [ ] one\n2. [x] two\n");
    expect(p.tasks).toEqual([]);
    expect(p.context).toBe("1. [ ] one\n2. [x] two");
  });

  it("keeps plain items of a mixed list in the context, in place", () => {
    const p = parsePlaybook("Intro\n\n- plain one\n- [ ] task\n- plain two\n\nOutro\n");
    expect(p.tasks.map((t) => t.text)).toEqual(["task"]);
    expect(p.context).toBe("Intro\n\n- plain one\n- plain two\n\nOutro");
  });

  it("collapses the blank lines left where tasks were removed", () => {
    const p = parsePlaybook("Intro\n\n\n- [ ] a\n\n- [ ] b\n\n\nMiddle\n\n- [x] c\n\nEnd\n");
    expect(p.context).toBe("Intro\n\nMiddle\n\nEnd");
    expect(p.tasks.map((t) => [t.index, t.text, t.done])).toEqual([
      [0, "a", false],
      [1, "b", false],
      [2, "c", true],
    ]);
  });

  it("accepts [X], tabs after the marker, indented markers and a checkbox on the next line", () => {
    const p = parsePlaybook("-\t[X] tabbed\n   - [ ] indented three\n-\n  [ ] next line\n");
    expect(p.tasks.map((t) => [t.text, t.done, t.line])).toEqual([
      ["tabbed", true, 1],
      ["indented three", false, 2],
      ["next line", false, 3],
    ]);
    for (const t of p.tasks) expect("[ ]xX".includes(p.source[t.checkOffset]!)).toBe(true);
  });

  it("does not count an item whose checkbox has no text, or a setext heading, as a task", () => {
    const p = parsePlaybook("- [ ]\n\n- [ ] Title\n  ===\n");
    expect(p.tasks).toEqual([]);
  });

  it("dedents details of items with wider markers", () => {
    const p = parsePlaybook("-   [ ] wide\n\n    detail paragraph\n\n        indented code\n");
    expect(p.tasks[0]!.details).toBe("detail paragraph\n\n    indented code");
  });

  it("drops the leading spaces of continuation lines but keeps hard-break trailing spaces", () => {
    const p = parsePlaybook("- [ ]   spaced  \n      continued\n");
    expect(p.tasks[0]!.text).toBe("spaced  \ncontinued");
  });
});

describe("parsePlaybook: line endings and encodings", () => {
  it("parses CRLF files; text is LF; offsets and lines point into the CRLF source", () => {
    const lf = "---\nmaxCostUsd: 2\n---\n# T\nProse\n\n- [ ] one\n  - sub\n- [x] two\n";
    const crlf = lf.replace(/\n/g, "\r\n");
    const a = parsePlaybook(lf);
    const b = parsePlaybook(crlf);
    expect(b.frontMatter).toEqual({ maxCostUsd: 2 });
    expect(b.context).toBe("# T\nProse");
    expect(b.tasks.map((t) => [t.text, t.details, t.done, t.line])).toEqual(
      a.tasks.map((t) => [t.text, t.details, t.done, t.line]),
    );
    for (const t of b.tasks) expect(crlf.slice(t.checkOffset - 1, t.checkOffset + 2)).toMatch(/^\[[ x]\]$/);
    expect(b.tasks[1]!.checkOffset).toBe(crlf.indexOf("[x]") + 1);
  });

  it("skips a UTF-8 BOM with or without front matter", () => {
    expect(parsePlaybook("\uFEFF---\nagent: codex\n---\n- [ ] x\n").frontMatter).toEqual({ agent: "codex" });
    const p = parsePlaybook("\uFEFF- [ ] x\n");
    expect(p.tasks[0]!.checkOffset).toBe(4);
  });

  it("handles unicode text", () => {
    const p = parsePlaybook("- [ ] Réparer l’API 🚀 — 日本語\n");
    expect(p.tasks[0]!.text).toBe("Réparer l’API 🚀 — 日本語");
  });
});

describe("parsePlaybook: no tasks", () => {
  it("parses empty and whitespace-only files; assertRunnable refuses them with the syntax", () => {
    for (const src of ["", "   \n\n\t\n", "---\n---\n", "# Only prose\n\nNothing to do.\n"]) {
      const p = parsePlaybook(src, { name: "empty" });
      expect(p.tasks).toEqual([]);
      const err = errorOf(() => assertRunnable(p));
      expect(err.message).toMatch(/^empty\.md: the playbook has no tasks/);
      expect(err.message).toContain("- [ ] ");
    }
  });

  it("hints that numbered items are not tasks", () => {
    const err = errorOf(() => assertRunnable(parsePlaybook("1. [ ] step\n", { file: "dir/steps.md" })));
    expect(err.file).toBe("dir/steps.md");
    expect(err.message).toContain("Numbered items like `1. [ ] ...` are not tasks");
  });

  it("accepts a playbook whose tasks are all done", () => {
    const p = parsePlaybook("- [x] done\n");
    expect(() => assertRunnable(p)).not.toThrow();
    expect(p.tasks[0]!.done).toBe(true);
  });
});
