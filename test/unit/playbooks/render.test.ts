import { describe, expect, it } from "@jest/globals";
import { PlaybookError } from "../../../src/playbooks/errors.js";
import { parsePlaybook } from "../../../src/playbooks/parse.js";
import { renderPlaybook } from "../../../src/playbooks/render.js";

const model = (p: ReturnType<typeof parsePlaybook>) => ({
  frontMatter: p.frontMatter,
  context: p.context,
  tasks: p.tasks.map(({ text, details, done }) => ({ text, details, done })),
});

describe("renderPlaybook", () => {
  it("writes front matter, context and a tight checklist", () => {
    const out = renderPlaybook({
      frontMatter: { description: "Demo", verify: ["npm test"], maxCostUsd: 2.5 },
      context: "# Demo\nDo things.",
      tasks: [
        { text: "first", details: "", done: false },
        { text: "second", details: "- sub one\n- sub two", done: true },
        { text: "third", details: "", done: false },
      ],
    });
    expect(out).toBe(
      "---\ndescription: Demo\nverify:\n  - npm test\nmaxCostUsd: 2.5\n---\n# Demo\nDo things.\n\n- [ ] first\n- [x] second\n  - sub one\n  - sub two\n\n- [ ] third\n",
    );
  });

  it("puts a blank line before details that are not a sub-list, so they do not continue the text", () => {
    const m = {
      frontMatter: {},
      context: "",
      tasks: [{ text: "t", details: "A paragraph.\n\n```\ncode\n```", done: false }],
    };
    const out = renderPlaybook(m);
    expect(out).toBe("- [ ] t\n\n  A paragraph.\n\n  ```\n  code\n  ```\n");
    expect(model(parsePlaybook(out))).toEqual(m);
  });

  it("escapes task-text continuation lines that would start a block", () => {
    const lines = [
      "# heading",
      "- item",
      "1. one",
      "> quote",
      "```",
      "~~~",
      "===",
      "---",
      "* * *",
      "<div>",
      "<!-- c -->",
    ];
    const out = renderPlaybook({
      frontMatter: {},
      context: "",
      tasks: [{ text: ["start", ...lines].join("\n"), details: "", done: false }],
    });
    const p = parsePlaybook(out);
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]!.details).toBe("");
    expect(p.tasks[0]!.text.split("\n")).toEqual([
      "start",
      "\\# heading",
      "\\- item",
      "1\\. one",
      "\\> quote",
      "\\```",
      "\\~~~",
      "\\===",
      "\\---",
      "\\* * *",
      "\\<div>",
      "\\<!-- c -->",
    ]);
  });

  it("leaves continuation lines that cannot start a block alone", () => {
    const text = "start\n-not a list\n2. not interrupting\n#hashtag\nplain `code`";
    const out = renderPlaybook({ frontMatter: {}, context: "", tasks: [{ text, details: "", done: false }] });
    expect(parsePlaybook(out).tasks[0]!.text).toBe(text);
  });

  it("keeps a first-line text that looks like Markdown structure as text", () => {
    for (const text of [
      "# not a heading",
      "- [ ] not a second task",
      "> not a quote",
      "```not a fence",
      "[x] brackets",
    ]) {
      const p = parsePlaybook(
        renderPlaybook({ frontMatter: {}, context: "", tasks: [{ text, details: "", done: true }] }),
      );
      expect(p.tasks.map((t) => [t.text, t.done])).toEqual([[text, true]]);
    }
  });

  it("adds an empty front matter block when the context starts with ---", () => {
    const m = {
      frontMatter: {},
      context: "---\nnot: yaml\n---\nprose",
      tasks: [{ text: "t", details: "", done: false }],
    };
    const out = renderPlaybook(m);
    expect(out.startsWith("---\n---\n")).toBe(true);
    expect(model(parsePlaybook(out))).toEqual(m);
  });

  it("refuses an empty task text", () => {
    expect(() =>
      renderPlaybook({ frontMatter: {}, context: "", tasks: [{ text: "  \n ", details: "", done: false }] }),
    ).toThrow(/task 1: its text is empty/);
  });

  it("refuses a context that would swallow or add tasks", () => {
    const swallow = {
      frontMatter: {},
      context: "```\nunclosed fence",
      tasks: [{ text: "t", details: "", done: false }],
    };
    expect(() => renderPlaybook(swallow)).toThrow(PlaybookError);
    expect(() => renderPlaybook(swallow)).toThrow(/would hold 0 tasks instead of 1/);
    const extra = { frontMatter: {}, context: "- [ ] sneaky", tasks: [] };
    expect(() => renderPlaybook(extra)).toThrow(/would hold 1 tasks instead of 0/);
  });

  it("round-trips the fixtures' models", () => {
    for (const src of [
      "---\nagent: codex\nonTaskFailure: continue\n---\nIntro\n\n- plain\n\n- [ ] a\n  more\n  - [x] nested\n\n  para\n\n* [X] b\n",
      "- [ ] only\n",
      "# T\n\n```\n- [ ] fenced\n```\n\n- [x] done\n\n      indented code detail\n",
    ]) {
      const m = model(parsePlaybook(src));
      expect(model(parsePlaybook(renderPlaybook(m)))).toEqual(m);
    }
  });
});
