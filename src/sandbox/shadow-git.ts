// The git repository an agent sees (DESIGN §6): a private git dir per session, with the run's objects
// read-only (alternates), the branch at the task's starting commit and a copy of the index. The agent may
// use git freely (status, diff, log, even commit) without touching the mirror's config, hooks or refs, or the
// worktree's real git dir: Maestro's own git never reads anything the agent wrote there.
import fs from "node:fs";
import path from "node:path";

export interface ShadowGitInput {
  /** Where to build it (emptied first). */
  dir: string;
  /** The worktree's real git dir (`<mirror>/worktrees/<name>`), read for HEAD's name and the index. */
  realGitDir: string;
  /** The common git dir (the mirror), read for info/exclude. */
  commonDir: string;
  /** The object directories the agent may read (the common dir's objects and their alternates). */
  objectDirs: string[];
  /** The commit HEAD points to at the session's start. */
  headSha: string;
  /** The branch checked out (refs/heads/<branch>), or undefined when detached. */
  branch?: string;
}

const CONFIG = `[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = true
[gc]
\tauto = 0
[user]
\tname = Maestro agent
\temail = agent@maestro.invalid
[core]
`;

/**
 * The directories of a session's git dir. `dir` must not exist yet: a new directory per session, so
 * nothing a session left (settings, symlinks planted to make Maestro write elsewhere) is ever read or
 * written through. Made ahead of the session that needs it (a directory costs ≈ 0.7 ms on our disks).
 */
export async function makeShadowSkeleton(dir: string): Promise<void> {
  await fs.promises.mkdir(dir, { mode: 0o755 });
  await fs.promises.mkdir(path.join(dir, "objects/info"), { recursive: true });
  await fs.promises.mkdir(path.join(dir, "refs"));
}

/** Fills a skeleton made by makeShadowSkeleton with the session's starting point. */
export function writeShadowGitDir(input: ShadowGitInput): void {
  const { dir } = input;
  fs.writeFileSync(path.join(dir, "config"), `${CONFIG}\texcludesFile = ${path.join(dir, "exclude")}\n`);
  fs.writeFileSync(path.join(dir, "objects/info/alternates"), `${input.objectDirs.join("\n")}\n`);
  if (input.branch) {
    fs.writeFileSync(path.join(dir, "packed-refs"), `${input.headSha} refs/heads/${input.branch}\n`);
    fs.writeFileSync(path.join(dir, "HEAD"), `ref: refs/heads/${input.branch}\n`);
  } else {
    fs.writeFileSync(path.join(dir, "HEAD"), `${input.headSha}\n`);
  }
  copyIfPresent(path.join(input.realGitDir, "index"), path.join(dir, "index"));
  copyIfPresent(path.join(input.commonDir, "info/exclude"), path.join(dir, "exclude"));
}

function copyIfPresent(from: string, to: string): void {
  try {
    fs.copyFileSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** The object directories of a common git dir: its own and those its alternates name (recursively). */
export function objectDirsOf(commonDir: string): string[] {
  const seen: string[] = [];
  const visit = (objects: string): void => {
    const abs = path.resolve(objects);
    if (seen.includes(abs) || !fs.existsSync(abs)) return;
    seen.push(abs);
    let alternates = "";
    try {
      alternates = fs.readFileSync(path.join(abs, "info/alternates"), "utf8");
    } catch {
      return;
    }
    for (const line of alternates.split("\n")) {
      const t = line.trim();
      if (t && !t.startsWith("#")) visit(path.isAbsolute(t) ? t : path.join(abs, t));
    }
  };
  visit(path.join(commonDir, "objects"));
  return seen;
}
