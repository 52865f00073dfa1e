import { describe, expect, it } from "@jest/globals";
import { parseCommandLine, parseCommands, parseFirstCommand } from "../../../src/commands/parse.js";
import type { CommandParseResult, MaestroCommand } from "../../../src/commands/types.js";

function only(body: string): CommandParseResult {
  const rs = parseCommands(body);
  expect(rs).toHaveLength(1);
  return rs[0]!;
}
function ok(body: string): MaestroCommand {
  const r = only(body);
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.command;
}
function err(body: string): string {
  const r = only(body);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.command)}`);
  expect(r.error.length).toBeGreaterThan(0);
  return r.error;
}

describe("parseCommands: finding command lines", () => {
  it("finds a command at the start of any line, with its 1-based line number and trimmed raw text", () => {
    const rs = parseCommands("Thanks!\n\n   /maestro run fix-lint   \nbye");
    expect(rs).toEqual([
      {
        ok: true,
        command: { verb: "run", playbook: "fix-lint", dryRun: false },
        line: 3,
        raw: "/maestro run fix-lint",
      },
    ]);
  });

  it("matches the prefix and verb case-insensitively", () => {
    expect(ok("/Maestro RUN fix-lint")).toEqual({ verb: "run", playbook: "fix-lint", dryRun: false });
    expect(ok("/MAESTRO Status")).toEqual({ verb: "status" });
  });

  it("ignores /maestro in the middle of a line and longer words like /maestros", () => {
    expect(parseCommands("please /maestro run x")).toEqual([]);
    expect(parseCommands("/maestros run x\n/maestro-run x")).toEqual([]);
  });

  it("ignores blockquoted lines, so quoting an earlier command does not re-trigger it", () => {
    expect(parseCommands("> /maestro run fix-lint\n>> /maestro cancel\n> > /maestro help")).toEqual([]);
    const rs = parseCommands("> /maestro run fix-lint\n\nAgreed.\n/maestro status");
    expect(rs.map((r) => r.line)).toEqual([4]);
  });

  it("ignores lines inside fenced code blocks (``` and ~~~, in lists too, and unclosed fences)", () => {
    expect(parseCommands("```\n/maestro run a\n```")).toEqual([]);
    expect(parseCommands("~~~~md\n/maestro run a\n```\n/maestro run b\n~~~~")).toEqual([]);
    expect(parseCommands("- item\n  ```\n  /maestro run a\n  ```")).toEqual([]);
    expect(parseCommands("text\n```\n/maestro run a")).toEqual([]);
    const rs = parseCommands("```\n/maestro run a\n```\n/maestro run b");
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ ok: true, line: 4, command: { playbook: "b" } });
  });

  it("ignores indented code blocks, multi-line code spans and HTML comments", () => {
    expect(parseCommands("Example:\n\n    /maestro run a\n")).toEqual([]);
    expect(parseCommands("see `code\n/maestro run a` here")).toEqual([]);
    expect(parseCommands("<!--\n/maestro run a\n-->")).toEqual([]);
    expect(
      parseCommands("<!-- Use /maestro run NAME\n/maestro run a -->\n/maestro list").map((r) => r.line),
    ).toEqual([3]);
  });

  it("keeps a command line that merely contains inline code or an inline comment", () => {
    expect(ok("/maestro run a -- use `x` <!-- y -->")).toEqual({
      verb: "run",
      playbook: "a",
      dryRun: false,
      args: "use `x` <!-- y -->",
    });
  });

  it("handles CRLF and CR line endings", () => {
    expect(parseCommands("hi\r\n/maestro status\r\n\r/maestro list").map((r) => [r.line, r.ok])).toEqual([
      [2, true],
      [4, true],
    ]);
  });

  it("returns every command of a comment in order, errors included", () => {
    const rs = parseCommands("/maestro status\n/maestro nope\n/maestro list");
    expect(rs.map((r) => r.ok)).toEqual([true, false, true]);
    expect(parseFirstCommand("x\n/maestro list\n/maestro help")).toMatchObject({
      ok: true,
      command: { verb: "list" },
      line: 2,
    });
    expect(parseFirstCommand("no command here")).toBeNull();
    expect(parseFirstCommand("")).toBeNull();
  });

  it("treats a bare /maestro as help", () => {
    expect(ok("/maestro")).toEqual({ verb: "help" });
  });
});

describe("parseCommands: run", () => {
  it("parses a run with no playbook (the issue itself)", () => {
    expect(ok("/maestro run")).toEqual({ verb: "run", dryRun: false });
  });

  it("parses every flag, in both --flag value and --flag=value forms, in any order", () => {
    const want = {
      verb: "run",
      playbook: "fix-lint",
      agent: "codex",
      model: "gpt-5.1-codex",
      maxCostUsd: 2.5,
      dryRun: true,
    };
    expect(ok("/maestro run fix-lint --agent codex --model gpt-5.1-codex --max-cost 2.5 --dry-run")).toEqual(
      want,
    );
    expect(ok("/maestro run --dry-run --max-cost=2.5 --model=gpt-5.1-codex --agent=codex fix-lint")).toEqual(
      want,
    );
    expect(
      ok("/maestro run --agent 'codex' --model \"gpt-5.1-codex\" fix-lint --max-cost $2.50 --DRY-RUN"),
    ).toEqual(want);
  });

  it("takes everything after -- as raw, trimmed free text (quotes and apostrophes kept)", () => {
    expect(ok(`/maestro run address-review -- don't rename "foo"; use \\n   `)).toEqual({
      verb: "run",
      playbook: "address-review",
      dryRun: false,
      args: `don't rename "foo"; use \\n`,
    });
    expect(ok("/maestro run x -- --dry-run --agent nope")).toEqual({
      verb: "run",
      playbook: "x",
      dryRun: false,
      args: "--dry-run --agent nope",
    });
    expect(ok("/maestro run x --")).toEqual({ verb: "run", playbook: "x", dryRun: false });
  });

  it('accepts a quoted flag value with an = sign and treats a quoted "--" as a word, not the separator', () => {
    expect(ok(`/maestro run --model="claude-sonnet-4-5"`)).toMatchObject({ model: "claude-sonnet-4-5" });
    expect(err(`/maestro run x "--" y`)).toMatch(/Unexpected "--"/);
  });

  it("refuses unknown flags with a suggestion", () => {
    expect(err("/maestro run fix-lint --modle x")).toBe(
      'Unknown flag "--modle". Did you mean "--model"? See /maestro help.',
    );
    expect(err("/maestro run --dryrun")).toMatch(/Did you mean "--dry-run"\?/);
    expect(err("/maestro run -v")).toMatch(
      /^Unknown flag "-v"\. Flags of \/maestro run: --agent, --model, --max-cost, --dry-run\. To pass free text, put it after "--"\./,
    );
  });

  it("explains an autocorrected dash in place of --", () => {
    expect(err("/maestro run x \u2014dry-run")).toBe(
      '"\u2014dry-run" starts with a typographic dash; flags and the free-text separator use two hyphens: "--dry-run". See /maestro help.',
    );
    expect(err("/maestro run x \u2013 some text")).toMatch(/use two hyphens: "--"/);
  });

  it("refuses missing flag values", () => {
    expect(err("/maestro run --agent")).toBe(
      'Flag "--agent" needs a value, e.g. "--agent codex". See /maestro help.',
    );
    expect(err("/maestro run --model --dry-run")).toMatch(/"--model" needs a value/);
    expect(err("/maestro run --max-cost=")).toMatch(/"--max-cost" needs a value/);
  });

  it("validates --agent against the known agents", () => {
    expect(ok("/maestro run --agent Claude-Code")).toMatchObject({ agent: "claude-code" });
    expect(err("/maestro run --agent claude")).toMatch(
      /^Unknown agent "claude" for "--agent"\..*Agents: claude-code, codex, opencode, gemini, command\.$/,
    );
    expect(err("/maestro run --agent gemnii")).toMatch(/Did you mean "gemini"\?/);
  });

  it("validates --max-cost as a positive number up to 1000", () => {
    for (const bad of ["0", "-1", "abc", "1e3", "1001", "NaN", "Infinity", "1.2.3", "$", "0x10"]) {
      expect(err(`/maestro run --max-cost=${bad}`)).toMatch(
        /"--max-cost" must be a positive number of US dollars up to 1000, got/,
      );
    }
    expect(ok("/maestro run --max-cost .5")).toMatchObject({ maxCostUsd: 0.5 });
    expect(ok("/maestro run --max-cost 1000")).toMatchObject({ maxCostUsd: 1000 });
  });

  it("refuses a model id with characters an agent CLI would not take", () => {
    expect(err(`/maestro run --model "a b"`)).toMatch(/Model "a b" for "--model" is not valid/);
    expect(err("/maestro run --model=$(id)")).toMatch(/is not valid/);
  });

  it("refuses duplicate flags and a second playbook name", () => {
    expect(err("/maestro run --dry-run --dry-run")).toMatch(/Flag "--dry-run" is given twice/);
    expect(err("/maestro run --agent codex --agent=gemini")).toMatch(/given twice/);
    expect(err("/maestro run a b")).toMatch(
      /Unexpected "b": "\/maestro run" takes one playbook name.*after "--"/,
    );
    expect(err("/maestro run --dry-run=yes")).toMatch(/"--dry-run" takes no value/);
  });

  it("refuses invalid playbook names with the naming rule", () => {
    expect(err("/maestro run ../secrets")).toMatch(/must not contain "\.\."/);
    expect(err("/maestro run Fix-Lint")).toMatch(/not valid.*lowercase.*Did you mean "fix-lint"\?/);
    expect(err("/maestro run fix-lint.md")).toMatch(/Did you mean "fix-lint"\?/);
    expect(err(`/maestro run ${"a".repeat(65)}`)).toMatch(/65 characters long/);
  });

  it("refuses unbalanced quotes and says how to pass free text", () => {
    expect(err("/maestro run 'fix-lint")).toMatch(
      /^Unbalanced single quote.*close it, or put free text after "--"/,
    );
    expect(err('/maestro run --model "x')).toMatch(/^Unbalanced double quote/);
  });

  it("applies shell-like escapes", () => {
    expect(err(`/maestro run --model "a\\"b"`)).toMatch(/Model "a\\"b"/);
    expect(ok(`/maestro run fix\\-lint`)).toMatchObject({ playbook: "fix-lint" });
    expect(ok(`/maestro run 'fix-lint' --model cl'aude'`)).toMatchObject({
      playbook: "fix-lint",
      model: "claude",
    });
  });
});

describe("parseCommands: other verbs", () => {
  it("fix takes the rest of the line, raw and trimmed, and requires it", () => {
    expect(ok('/maestro fix   don\'t log the token; use "redact()"  ')).toEqual({
      verb: "fix",
      text: `don't log the token; use "redact()"`,
    });
    expect(err("/maestro fix   ")).toMatch(/"\/maestro fix" needs a description of the change/);
  });

  it("retry and cancel take an optional run id with a safe charset", () => {
    expect(ok("/maestro retry")).toEqual({ verb: "retry" });
    expect(ok("/maestro cancel 3f2a9c1e-77aa-4b1c_x")).toEqual({
      verb: "cancel",
      runId: "3f2a9c1e-77aa-4b1c_x",
    });
    expect(err("/maestro retry ../../etc")).toMatch(
      /Run id "..\/..\/etc" is not valid.*leave it out to retry the latest run/,
    );
    expect(err("/maestro cancel a;rm")).toMatch(/is not valid/);
    expect(err("/maestro cancel a b")).toMatch(/takes at most one run id/);
    expect(err("/maestro retry --dry-run")).toMatch(/"\/maestro retry" takes no flags/);
  });

  it("status, list and help take no arguments", () => {
    expect(ok("/maestro list")).toEqual({ verb: "list" });
    expect(ok("/maestro help")).toEqual({ verb: "help" });
    expect(err("/maestro status please")).toBe(
      '"/maestro status" takes no arguments, got "please". Write just "/maestro status". See /maestro help.',
    );
  });

  it("refuses unknown verbs with a suggestion, or points a playbook name at run", () => {
    expect(err("/maestro statsu")).toBe(
      'Unknown command "statsu". Did you mean "status"? See /maestro help.',
    );
    expect(err("/maestro cancle")).toMatch(/Did you mean "cancel"\?/);
    expect(err("/maestro fix-lint")).toBe(
      'Unknown command "fix-lint". To run the playbook "fix-lint", write "/maestro run fix-lint". See /maestro help.',
    );
    expect(err("/maestro ✨")).toMatch(
      /^Unknown command "✨"\. Commands: run, fix, retry, cancel, status, list, help\./,
    );
  });

  it("parseCommandLine refuses a line that is not a command", () => {
    const r = parseCommandLine("hello");
    expect(r.ok).toBe(false);
  });
});
