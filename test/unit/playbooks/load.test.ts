import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PlaybookError } from "../../../src/playbooks/errors.js";
import { loadPlaybookFile, MAX_PLAYBOOK_BYTES } from "../../../src/playbooks/load.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "maestro-load-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(path: string): Promise<PlaybookError> {
  try {
    await loadPlaybookFile(path);
  } catch (err) {
    if (err instanceof PlaybookError) return err;
    throw err;
  }
  throw new Error("expected a PlaybookError");
}

describe("loadPlaybookFile", () => {
  it("loads the fixture and names it after the file", async () => {
    const p = await loadPlaybookFile(join(process.cwd(), "test/fixtures/playbooks/lint-cleanup.md"));
    expect(p.name).toBe("lint-cleanup");
    expect(p.tasks).toHaveLength(3);
    expect(p.frontMatter.agent).toBe("claude-code");
  });

  it("says when the file is missing", async () => {
    const err = await rejection(join(dir, "nope.md"));
    expect(err.message).toBe(
      `${join(dir, "nope.md")}: file not found. Check the path (it is relative to the current directory).`,
    );
  });

  it("refuses files that are not .md and directories", async () => {
    await writeFile(join(dir, "x.txt"), "- [ ] t\n");
    expect((await rejection(join(dir, "x.txt"))).message).toContain("not a Markdown file");
    await mkdir(join(dir, "folder.md"));
    expect((await rejection(join(dir, "folder.md"))).message).toContain("is a directory");
  });

  it("refuses invalid UTF-8 and oversized files", async () => {
    await writeFile(join(dir, "bin.md"), Buffer.from([0x2d, 0x20, 0x5b, 0x20, 0x5d, 0x20, 0xff, 0xfe, 0x0a]));
    expect((await rejection(join(dir, "bin.md"))).message).toContain("not valid UTF-8");
    await writeFile(join(dir, "big.md"), "x".repeat(MAX_PLAYBOOK_BYTES + 1));
    expect((await rejection(join(dir, "big.md"))).message).toContain("Split it into smaller playbooks");
  });

  // Root reads every file, so permission errors only exist for other users.
  (process.getuid?.() === 0 ? it.skip : it)("says when the file cannot be read", async () => {
    await writeFile(join(dir, "locked.md"), "- [ ] t\n");
    await chmod(join(dir, "locked.md"), 0o000);
    expect((await rejection(join(dir, "locked.md"))).message).toContain("permission denied");
  });

  it("passes the path into parse errors", async () => {
    const file = join(dir, "bad.md");
    await writeFile(file, "---\nmaxCostUsd: abc\n---\n- [ ] t\n");
    const err = await rejection(file);
    expect(err.file).toBe(file);
    expect(err.line).toBe(2);
    expect(err.message.startsWith(`${file}:2: front matter:`)).toBe(true);
  });
});
