import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { formatConfigErrorReply, parseRepoConfig } from "../../../src/config/load-repo-config.js";
import { defaultRepoConfig } from "../../../src/config/repo-config.js";

function error(input: unknown, file?: string): string {
  const r = parseRepoConfig(input, file ? { file } : {});
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.config)}`);
  return r.error;
}

describe("parseRepoConfig from YAML text", () => {
  it("fills defaults for an empty file, a comment-only file, null and undefined", () => {
    for (const input of ["", "\n", "# just a comment\n", "---\n", null, undefined]) {
      expect(parseRepoConfig(input)).toEqual({ ok: true, config: defaultRepoConfig() });
    }
  });

  it("reads a full config of DESIGN §5 and keeps defaults for keys left out", () => {
    const r = parseRepoConfig(
      [
        "agent: codex",
        "model: gpt-5",
        "permissions: { minimum: maintain, allowUsers: [alice] }",
        "limits:",
        "  maxCostUsdPerRun: 4.5",
        "verify: [npm ci, npm test]",
        "pricing: { gpt-5: { input: 1.25, output: 10 } }",
      ].join("\n"),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.agent).toBe("codex");
    expect(r.config.permissions).toEqual({ minimum: "maintain", allowUsers: ["alice"], denyUsers: [] });
    expect(r.config.limits).toEqual({ ...defaultRepoConfig().limits, maxCostUsdPerRun: 4.5 });
    expect(r.config.verify).toEqual(["npm ci", "npm test"]);
    expect(r.config.pricing).toEqual({ "gpt-5": { input: 1.25, output: 10 } });
  });

  it("names the key, its line, the bad value, and the default to fall back to", () => {
    const text = "# Maestro\nagent: codex\nlimits:\n  maxCostUsdPerRun: -1\n";
    expect(error(text)).toBe(
      ".github/maestro.yml: limits.maxCostUsdPerRun (line 4): must be a positive number, got -1. Fix it or remove the key to use the default (10).",
    );
  });

  it("reports every issue on its own line, with the right line numbers", () => {
    const text = [
      "agent: claud", // 1
      "agnet: x", // 2
      "limits:", // 3
      "  maxConcurrentRuns: 1.5", // 4
      "  bogus: 1", // 5
      "verify: npm test", // 6
      "pricing:", // 7
      "  gpt-5: { input: 1 }", // 8
      'branchPrefix: "a b"', // 9
      "runLog: { commitToBranch: yes please }", // 10
    ].join("\n");
    const lines = error(text).split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        '.github/maestro.yml: agent (line 1): must be one of claude-code, codex, opencode, gemini, command, got "claud". Fix it or remove the key to use the default ("claude-code").',
        ".github/maestro.yml: limits.maxConcurrentRuns (line 4): must be a whole number, got 1.5. Fix it or remove the key to use the default (2).",
        '.github/maestro.yml: verify (line 6): must be a list, got "npm test" (write a list, e.g. ["npm test"]). Fix it or remove the key to use the default ([]).',
        ".github/maestro.yml: pricing.gpt-5.output (line 8): is required (a number). Add it.",
        `.github/maestro.yml: branchPrefix (line 9): branchPrefix may hold letters, digits, '.', '_', '-' and '/' only, got "a b". Fix it or remove the key to use the default ("maestro/").`,
        '.github/maestro.yml: runLog.commitToBranch (line 10): must be true or false, got "yes please". Fix it or remove the key to use the default (false).',
      ]),
    );
    expect(lines.find((l) => l.includes("agnet"))).toMatch(
      /^\.github\/maestro\.yml: agnet \(line 2\): unknown key\. Did you mean "agent"\? Remove it or fix its spelling\. Known keys: agent, agentCommand, /,
    );
    expect(lines.find((l) => l.includes("limits.bogus"))).toMatch(
      /^\.github\/maestro\.yml: limits\.bogus \(line 5\): unknown key\. Remove it or fix its spelling\. Known keys in limits: maxCostUsdPerRun, /,
    );
    expect(lines).toHaveLength(8);
  });

  it("suggests the closest enum value", () => {
    expect(error("agent: codx")).toContain('got "codx" (did you mean "codex"?)');
    expect(error("permissions:\n  minimum: wirte")).toMatch(
      /permissions\.minimum \(line 2\): must be one of none, read, triage, write, maintain, admin, got "wirte" \(did you mean "write"\?\)/,
    );
  });

  it("reports YAML syntax errors with line and column, and duplicate keys", () => {
    expect(error("agent: codex\nverify: [npm test\nmodel: x")).toMatch(
      /^\.github\/maestro\.yml: line \d+, column \d+: YAML syntax error: .+\. Fix the YAML/,
    );
    expect(error("agent: codex\nagent: gemini")).toMatch(
      /^\.github\/maestro\.yml: line 2, column 1: YAML syntax error: Map keys must be unique/,
    );
  });

  it("refuses a document that is not a mapping", () => {
    expect(error("- agent: codex")).toMatch(/must be a mapping of settings .*got a list/);
    expect(error("just text")).toMatch(/must be a mapping of settings .*got text "just text"/);
  });

  it("survives alias bombs with a clear error", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ..."bcdefghij"
        .split("")
        .map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefghij"[i]}`).join(", ")}]`),
    ].join("\n");
    expect(error(bomb)).toMatch(/could not be read .*[Aa]lias/);
  });

  it("uses the given file name", () => {
    expect(error("agent: 1", "maestro.yml")).toMatch(/^maestro\.yml: agent \(line 1\)/);
  });
});

describe("parseRepoConfig from a parsed object (Probot context.config)", () => {
  it("validates and reports key paths without lines", () => {
    expect(parseRepoConfig({ agent: "gemini" })).toMatchObject({ ok: true, config: { agent: "gemini" } });
    expect(error({ limits: { maxCostUsdPerRun: "ten" } })).toBe(
      '.github/maestro.yml: limits.maxCostUsdPerRun: must be a number, got "ten". Fix it or remove the key to use the default (10).',
    );
    expect(error({ verify: ["npm test", ""] })).toBe(
      '.github/maestro.yml: verify[1]: must not be empty, got "". Fix it.',
    );
    expect(error([1, 2])).toMatch(/must be a mapping/);
  });

  it("never throws, whatever YAML text or value it is given", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "grapheme", maxLength: 200 }), fc.anything()), (input) => {
        const r = parseRepoConfig(input);
        if (!r.ok) expect(r.error.length).toBeGreaterThan(10);
      }),
      { numRuns: 300 },
    );
  });
});

describe("formatConfigErrorReply", () => {
  it("quotes the error in a fence that its own backticks cannot close, and says how to fix it", () => {
    const reply = formatConfigErrorReply('.github/maestro.yml: verify (line 2): got "```". Fix it.');
    expect(reply).toContain('\n````text\n.github/maestro.yml: verify (line 2): got "```". Fix it.\n````\n');
    expect(reply).toContain("Nothing was run.");
    expect(reply).toMatch(/commit the file to the default branch, then trigger the run again/);
  });
});
