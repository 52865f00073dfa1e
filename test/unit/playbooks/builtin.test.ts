import { describe, expect, it } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assertRunnable, parsePlaybook } from "../../../src/playbooks/parse.js";
import {
  builtinPlaybooksDir,
  listBuiltinPlaybooks,
  readBuiltinPlaybook,
} from "../../../src/playbooks/builtin.js";
import { resolvePlaybook, validatePlaybookName } from "../../../src/playbooks/resolve.js";

const REQUIRED = ["add-tests", "address-review", "fix-issue"];
const PLACEHOLDERS = new Set(["issue.number", "issue.title", "issue.body", "args", "repo"]);

describe("built-in playbooks", () => {
  it("finds the package's top-level playbooks/ directory from this module", () => {
    const dir = builtinPlaybooksDir();
    expect(dir).toBe(join(process.cwd(), "playbooks/"));
    expect(existsSync(join(dir, "fix-issue.md"))).toBe(true);
  });

  it("lists fix-issue, address-review and add-tests, sorted, all with valid names", async () => {
    const names = await listBuiltinPlaybooks();
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
    expect(names).toEqual([...names].sort());
    for (const n of names) expect(validatePlaybookName(n)).toBeNull();
  });

  it("reads a built-in playbook by name, and null for unknown or invalid names", async () => {
    expect(await readBuiltinPlaybook("fix-issue")).toBe(
      readFileSync(join(builtinPlaybooksDir(), "fix-issue.md"), "utf8"),
    );
    expect(await readBuiltinPlaybook("no-such-playbook")).toBeNull();
    expect(await readBuiltinPlaybook("../package")).toBeNull();
    expect(await readBuiltinPlaybook("../README")).toBeNull();
  });

  it("resolves each built-in when the repo has none", async () => {
    for (const name of REQUIRED) {
      const r = await resolvePlaybook(name, { readRepoPlaybook: async () => null });
      expect(r).toMatchObject({ ok: true, origin: "builtin", name, path: `playbooks/${name}.md` });
    }
  });

  describe.each(REQUIRED)("%s", (name) => {
    const source = readFileSync(join(builtinPlaybooksDir(), `${name}.md`), "utf8");

    it("parses, with a description in the front matter and no pinned agent or model", () => {
      const p = parsePlaybook(source, { name, file: `playbooks/${name}.md` });
      expect(p.name).toBe(name);
      expect(p.frontMatter.description?.length).toBeGreaterThan(10);
      expect(p.frontMatter.agent).toBeUndefined();
      expect(p.frontMatter.model).toBeUndefined();
      expect(() => assertRunnable(p)).not.toThrow();
    });

    it("has 3 to 5 unticked tasks, each a precise instruction, and context prose without the tasks", () => {
      const p = parsePlaybook(source, { name });
      expect(p.tasks.length).toBeGreaterThanOrEqual(3);
      expect(p.tasks.length).toBeLessThanOrEqual(5);
      for (const t of p.tasks) {
        expect(t.done).toBe(false);
        expect(t.text.length).toBeGreaterThan(40);
        expect(p.context).not.toContain(t.text);
      }
      expect(p.tasks.map((t) => t.index)).toEqual(p.tasks.map((_, i) => i));
      // The checklist the parser found is every "- [ ]" line of the file: nothing is silently dropped.
      expect(p.tasks.length).toBe(source.split("\n").filter((l) => /^- \[ \] \S/.test(l)).length);
      expect(p.context.length).toBeGreaterThan(100);
    });

    it("uses only the template values of DESIGN §3", () => {
      const used = [...source.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((x) => x[1]!);
      expect(used.length).toBeGreaterThan(0);
      for (const u of used) expect(PLACEHOLDERS.has(u)).toBe(true);
    });
  });

  it("address-review carries the review comments through {{args}}", () => {
    expect(readFileSync(join(builtinPlaybooksDir(), "address-review.md"), "utf8")).toContain("{{args}}");
  });
});
