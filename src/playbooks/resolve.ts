// Resolve a playbook name (DESIGN §3): the repo's .github/maestro/playbooks/<name>.md first, then built-in playbooks/<name>.md.
import { didYouMean } from "../commands/suggest.js";
import { builtinPlaybooksDir, listBuiltinPlaybooks, readBuiltinPlaybook } from "./builtin.js";

export const PLAYBOOK_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const REPO_PLAYBOOKS_DIR = ".github/maestro/playbooks";

const RULE =
  "Playbook names are 1 to 64 characters: lowercase letters, digits, '.', '_' and '-', starting with a letter or digit (e.g. fix-issue).";

/** null when the name is acceptable, else a message saying what is wrong and how to fix it. */
export function validatePlaybookName(name: string): string | null {
  if (typeof name !== "string" || name.length === 0) return `A playbook name is required. ${RULE}`;
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  if (name.includes("..")) return `Playbook name ${shown} is not allowed: it must not contain "..". ${RULE}`;
  if (PLAYBOOK_NAME_RE.test(name) && !name.endsWith(".md")) return null;
  let hint = "";
  const bare = name.toLowerCase().replace(/\.md$/, "");
  if (bare !== name && PLAYBOOK_NAME_RE.test(bare) && !bare.includes("..")) {
    hint = ` Did you mean "${bare}"?${name.toLowerCase().endsWith(".md") ? " (Leave off the .md extension.)" : ""}`;
  } else if (name.length > 64) {
    hint = ` It is ${name.length} characters long.`;
  }
  return `Playbook name ${shown} is not valid. ${RULE}${hint}`;
}

export type ResolvedPlaybook = {
  ok: true;
  name: string;
  source: string;
  origin: "repo" | "builtin";
  path: string;
};
export type ResolvePlaybookResult = ResolvedPlaybook | { ok: false; error: string; available: string[] };

export interface ResolvePlaybookOptions {
  /** Reads a file from the repo's default branch; null when it does not exist. Errors (network, auth) propagate. */
  readRepoPlaybook: (path: string) => Promise<string | null>;
  /** Names (or file names/paths) of the repo's playbooks, for the "available" list. Best effort. */
  listRepoPlaybooks?: () => Promise<string[]>;
  builtinDir?: string;
}

export function repoPlaybookPath(name: string): string {
  return `${REPO_PLAYBOOKS_DIR}/${name}.md`;
}

export async function resolvePlaybook(
  name: string,
  opts: ResolvePlaybookOptions,
): Promise<ResolvePlaybookResult> {
  const invalid = validatePlaybookName(name);
  if (invalid !== null) return { ok: false, error: invalid, available: await availablePlaybooks(opts) };

  const repoPath = repoPlaybookPath(name);
  const repoSource = await opts.readRepoPlaybook(repoPath);
  if (typeof repoSource === "string")
    return { ok: true, name, source: repoSource, origin: "repo", path: repoPath };

  const dir = opts.builtinDir ?? builtinPlaybooksDir();
  const builtinSource = await readBuiltinPlaybook(name, dir);
  if (builtinSource !== null) {
    return { ok: true, name, source: builtinSource, origin: "builtin", path: `playbooks/${name}.md` };
  }

  const available = await availablePlaybooks(opts);
  const list =
    available.length > 0 ? `Available playbooks: ${available.join(", ")}.` : "No playbooks are available.";
  return {
    ok: false,
    error:
      `Unknown playbook "${name}".${didYouMean(name, available)} ${list} ` +
      `To add it, commit ${repoPath} to the default branch (see /maestro help).`,
    available,
  };
}

/** Repo and built-in playbook names, deduplicated and sorted. */
export async function availablePlaybooks(
  opts: Pick<ResolvePlaybookOptions, "listRepoPlaybooks" | "builtinDir">,
): Promise<string[]> {
  const names = new Set<string>();
  if (opts.listRepoPlaybooks) {
    try {
      for (const entry of await opts.listRepoPlaybooks()) {
        const n = toName(entry);
        if (n !== null) names.add(n);
      }
    } catch {
      // The listing only decorates an error message; a failed listing must not hide the real error.
    }
  }
  try {
    for (const n of await listBuiltinPlaybooks(opts.builtinDir ?? builtinPlaybooksDir())) names.add(n);
  } catch {
    // Same: best effort.
  }
  return [...names].sort();
}

function toName(entry: string): string | null {
  if (typeof entry !== "string") return null;
  const base = entry.slice(entry.lastIndexOf("/") + 1);
  if (entry.includes("/") && !base.endsWith(".md")) return null;
  const n = base.endsWith(".md") ? base.slice(0, -3) : base;
  return validatePlaybookName(n) === null ? n : null;
}
