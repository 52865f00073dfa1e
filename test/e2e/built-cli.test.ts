// The CLI as users run it: bin/maestro.js over the build (`npm run build`: tsc, then the esbuild bundle of the
// CLI, docs/benchmarks.md). The rest of the suite runs src/ through tsx, so this is what covers the bundle.
// CI builds before it tests (.ci/run); locally, `npm run build` first.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { gitIn, makeTempDir } from "../helpers/git-repo.js";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/maestro.js");
let work: string;

beforeAll(async () => {
  work = await makeTempDir("maestro-built-");
  await exec("git", ["init", "-q", "-b", "main", work]);
  fs.writeFileSync(path.join(work, "README.md"), "# x\n");
  await gitIn(work, "add", ".");
  await gitIn(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init");
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("the built CLI", () => {
  it("is built: bin/maestro.js finds the bundle (run `npm run build` when this fails)", () => {
    expect(fs.existsSync(path.join(ROOT, "dist/bundle/bin.js"))).toBe(true);
  });

  it("--help and a dry run of a built-in playbook work from the bundle, loading no module of dist/cli", async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_DEBUG: "" };
    const help = await exec(process.execPath, [BIN, "--help"], { env });
    expect(help.stdout).toMatch(/Usage: maestro/);
    expect(help.stdout).toMatch(/\bsetup\b|\bserve\b/);
    // A loader hook lists every module the process loads.
    const log = path.join(work, "modules.txt");
    const hooks = `import fs from "node:fs";
export async function load(url, context, next) {
  fs.appendFileSync(${JSON.stringify(log)}, url + "\\n");
  return next(url, context);
}`;
    const register = `import { register } from "node:module";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const dry = await exec(
      process.execPath,
      [
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        BIN,
        "run",
        "fix-issue",
        "--dry-run",
        "--repo",
        work,
      ],
      { env },
    );
    expect(dry.stdout).toMatch(/playbook fix-issue: \d+ task\(s\) to run/);
    const loaded = fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
    expect(loaded.some((l) => l.includes("/dist/bundle/"))).toBe(true);
    expect(loaded.filter((l) => l.includes("/dist/cli/") || l.includes("/node_modules/zod/"))).toEqual([]);
  });
});
