import { describe, expect, it } from "@jest/globals";
import { PlaybookError } from "../../../src/playbooks/errors.js";
import { parsePlaybook } from "../../../src/playbooks/parse.js";

function errorOf(source: string, file = "playbook.md"): PlaybookError {
  try {
    parsePlaybook(source, { file });
  } catch (err) {
    if (err instanceof PlaybookError) return err;
    throw err;
  }
  throw new Error("expected a PlaybookError");
}

describe("front matter", () => {
  it("reports a bad value with the line of its key, the value and the fix", () => {
    const err = errorOf("---\ndescription: d\nmaxCostUsd: abc\n---\n- [ ] t\n");
    expect(err.message).toBe(
      'playbook.md:3: front matter: "maxCostUsd" must be a positive number (got "abc"). Fix the value or remove the key.',
    );
    expect(err.line).toBe(3);
    expect(err.file).toBe("playbook.md");
    expect(err.reason).toMatch(/^front matter:/);
  });

  it("explains each key's expectation", () => {
    const cases: Array<[string, RegExp]> = [
      [
        "agent: gpt",
        /"agent" must be one of "claude-code", "codex", "opencode", "gemini", "command" \(got "gpt"\)/,
      ],
      ["onTaskFailure: retry", /"onTaskFailure" must be "stop" or "continue" \(got "retry"\)/],
      ["taskTimeoutMinutes: -5", /"taskTimeoutMinutes" must be a positive number \(got -5\)/],
      ["maxCostUsd: 0", /"maxCostUsd" must be a positive number \(got 0\)/],
      ["maxCostUsd: '3'", /"maxCostUsd" must be a positive number \(got "3"\)/],
      ["model:", /"model" must be a non-empty string \(a model name\) \(got an empty value\)/],
      ["verify: {a: 1}", /"verify" must be a command, or a list of commands/],
      ["description: [1, 2]", /"description" must be a string \(got a list: \[1,2\]\)/],
    ];
    for (const [line, re] of cases) {
      const err = errorOf(`---\n${line}\n---\n`);
      expect(err.message).toMatch(re);
      expect(err.line).toBe(2);
    }
  });

  it("points into a list at the bad element's line", () => {
    const err = errorOf("---\nverify:\n  - npm test\n  - ''\n---\n");
    expect(err.line).toBe(4);
    expect(err.message).toMatch(/^playbook\.md:4: front matter: "verify" must be/);
  });

  it("names an unknown key, suggests the closest one and lists the known keys", () => {
    const err = errorOf("---\n# a comment\nagent: codex\nmaxCost: 3\n---\n");
    expect(err.line).toBe(4);
    expect(err.message).toContain('unknown key "maxCost". Did you mean "maxCostUsd"?');
    expect(err.message).toContain(
      "Known keys: description, agent, model, verify, maxCostUsd, taskTimeoutMinutes, onTaskFailure",
    );
    expect(errorOf("---\nzzzzzzzzzz: 1\n---\n").message).not.toContain("Did you mean");
  });

  it("reports every problem, the first one's line as the error line", () => {
    const err = errorOf("---\nagent: nope\nmodel: m\nagnet: x\n---\n", "x.md");
    expect(err.line).toBe(2);
    expect(err.message.split("\n")).toEqual([
      expect.stringMatching(/^x\.md:2: front matter: "agent" must be one of/),
      expect.stringMatching(/^x\.md:4: front matter: unknown key "agnet"\. Did you mean "agent"\?/),
    ]);
  });

  it("reports YAML syntax errors at their line", () => {
    const err = errorOf("---\ndescription: ok\nverify: [npm test\nmodel: x\n---\n");
    expect(err.message).toMatch(/^playbook\.md:\d+: front matter: YAML syntax error: .+\. Fix the YAML/);
    expect([3, 4]).toContain(err.line);
    const dup = errorOf("---\nagent: codex\nagent: gemini\n---\n");
    expect(dup.line).toBe(3);
    expect(dup.message).toContain("YAML syntax error: Map keys must be unique");
    const tab = errorOf("---\nmodel: 'unterminated\n---\n");
    expect(tab.line).toBe(2);
  });

  it("refuses front matter that is not a mapping", () => {
    const err = errorOf("---\n- a\n- b\n---\n");
    expect(err.line).toBe(2);
    expect(err.message).toContain('must be a mapping of keys to values (got a list: ["a","b"])');
    expect(errorOf("---\njust text\n---\n").message).toContain('got "just text"');
  });

  it("refuses unclosed front matter with a hint", () => {
    const err = errorOf("---\nagent: codex\n- [ ] t\n");
    expect(err.line).toBe(1);
    expect(err.message).toContain("never closed. Add a line with `---`");
  });

  it("refuses alias bombs instead of expanding them", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(", ")}]`,
      );
    const err = errorOf(`---\n${bomb.join("\n")}\n---\n`);
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/alias/i);
  });

  it("accepts empty front matter, `...` as closer, comments, and a verify list", () => {
    expect(parsePlaybook("---\n---\n- [ ] t\n").frontMatter).toEqual({});
    expect(parsePlaybook("---\n# nothing\n...\n- [ ] t\n").frontMatter).toEqual({});
    const p = parsePlaybook("---\nverify:\n  - npm run lint\n  - npm test\n---\n\n# Body\n- [ ] t\n");
    expect(p.frontMatter.verify).toEqual(["npm run lint", "npm test"]);
    expect(p.tasks[0]!.line).toBe(8);
    expect(p.context).toBe("# Body");
  });

  it("does not treat a later thematic break as front matter", () => {
    const p = parsePlaybook("# T\n\n---\n\n- [ ] t\n");
    expect(p.frontMatter).toEqual({});
    expect(p.context).toBe("# T\n\n---");
  });
});
