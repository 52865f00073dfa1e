import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { availablePlaybooks, resolvePlaybook, validatePlaybookName } from "../../../src/playbooks/resolve.js";

describe("validatePlaybookName", () => {
  it("accepts names matching ^[a-z0-9][a-z0-9._-]{0,63}$", () => {
    for (const ok of ["fix-issue", "a", "0", "v1.2_lint-all", "a".repeat(64)])
      expect(validatePlaybookName(ok)).toBeNull();
  });

  it("refuses everything else with the rule and, where it can, the fix", () => {
    expect(validatePlaybookName("")).toMatch(
      /^A playbook name is required\. Playbook names are 1 to 64 characters/,
    );
    expect(validatePlaybookName("a..b")).toMatch(/must not contain "\.\."/);
    expect(validatePlaybookName("Fix-Issue")).toMatch(/is not valid\. .*Did you mean "fix-issue"\?$/);
    expect(validatePlaybookName("fix-issue.md")).toMatch(
      /Did you mean "fix-issue"\? \(Leave off the \.md extension\.\)$/,
    );
    expect(validatePlaybookName("a".repeat(65))).toMatch(/It is 65 characters long\.$/);
    for (const bad of ["-x", ".hidden", "_x", "a/b", "a b", "a\\b", "x\n", "ä", "a:b"]) {
      expect(validatePlaybookName(bad)).toMatch(/is not valid/);
    }
  });

  it("never accepts a name that could leave the playbooks directory", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (name) => {
        const err = validatePlaybookName(name);
        if (err === null) {
          expect(name).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/);
          expect(name).not.toContain("..");
        } else {
          expect(err.length).toBeGreaterThan(20);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("resolvePlaybook", () => {
  let builtinDir: string;
  beforeAll(async () => {
    builtinDir = await mkdtemp(join(tmpdir(), "maestro-builtin-"));
    await writeFile(join(builtinDir, "fix-issue.md"), "- [ ] builtin fix\n");
    await writeFile(join(builtinDir, "add-tests.md"), "- [ ] builtin tests\n");
    await writeFile(join(builtinDir, "README.md"), "not a playbook name\n");
    await mkdir(join(builtinDir, "dir.md"));
  });
  afterAll(async () => {
    await rm(builtinDir, { recursive: true, force: true });
  });

  function repo(files: Record<string, string>) {
    const reads: string[] = [];
    return {
      reads,
      readRepoPlaybook: async (path: string) => {
        reads.push(path);
        return files[path] ?? null;
      },
      listRepoPlaybooks: async () => Object.keys(files),
      builtinDir,
    };
  }

  it("prefers the repo's .github/maestro/playbooks/<name>.md", async () => {
    const r = repo({ ".github/maestro/playbooks/fix-issue.md": "- [ ] repo fix\n" });
    expect(await resolvePlaybook("fix-issue", r)).toEqual({
      ok: true,
      name: "fix-issue",
      source: "- [ ] repo fix\n",
      origin: "repo",
      path: ".github/maestro/playbooks/fix-issue.md",
    });
    expect(r.reads).toEqual([".github/maestro/playbooks/fix-issue.md"]);
  });

  it("falls back to the built-in playbook", async () => {
    expect(await resolvePlaybook("add-tests", repo({}))).toEqual({
      ok: true,
      name: "add-tests",
      source: "- [ ] builtin tests\n",
      origin: "builtin",
      path: "playbooks/add-tests.md",
    });
  });

  it("treats an empty repo file as a playbook (the repo chose to shadow the built-in)", async () => {
    const r = await resolvePlaybook("fix-issue", repo({ ".github/maestro/playbooks/fix-issue.md": "" }));
    expect(r).toMatchObject({ ok: true, origin: "repo", source: "" });
  });

  it("lists repo and built-in names, deduplicated and sorted, for an unknown name", async () => {
    const r = repo({
      ".github/maestro/playbooks/lint.md": "x",
      ".github/maestro/playbooks/fix-issue.md": "y",
    });
    const res = await resolvePlaybook("lnit", r);
    expect(res).toEqual({
      ok: false,
      available: ["add-tests", "fix-issue", "lint"],
      error:
        'Unknown playbook "lnit". Did you mean "lint"? Available playbooks: add-tests, fix-issue, lint. ' +
        "To add it, commit .github/maestro/playbooks/lnit.md to the default branch (see /maestro help).",
    });
  });

  it("refuses an invalid name without reading anything", async () => {
    const r = repo({});
    const res = await resolvePlaybook("../../etc/passwd", r);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error).toMatch(/must not contain "\.\."/);
      expect(res.available).toEqual(["add-tests", "fix-issue"]);
    }
    expect(r.reads).toEqual([]);
  });

  it("still answers when listing the repo's playbooks fails, and when there is no built-in dir", async () => {
    const res = await resolvePlaybook("nope", {
      readRepoPlaybook: async () => null,
      listRepoPlaybooks: async () => {
        throw new Error("API down");
      },
      builtinDir: join(builtinDir, "missing"),
    });
    expect(res).toEqual({
      ok: false,
      available: [],
      error:
        'Unknown playbook "nope". No playbooks are available. To add it, commit .github/maestro/playbooks/nope.md to the default branch (see /maestro help).',
    });
  });

  it("lets a failure to read the repo playbook propagate (it is not an unknown playbook)", async () => {
    await expect(
      resolvePlaybook("fix-issue", {
        readRepoPlaybook: async () => {
          throw new Error("GitHub 502");
        },
        builtinDir,
      }),
    ).rejects.toThrow("GitHub 502");
  });

  it("accepts names, file names or paths from listRepoPlaybooks and drops invalid ones", async () => {
    const names = await availablePlaybooks({
      listRepoPlaybooks: async () => [
        "a",
        "b.md",
        ".github/maestro/playbooks/c.md",
        "Bad Name.md",
        "sub/notes.txt",
      ],
      builtinDir: join(builtinDir, "missing"),
    });
    expect(names).toEqual(["a", "b", "c"]);
  });
});
