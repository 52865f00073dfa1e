// Built-in playbooks: the package's top-level playbooks/ directory.
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { validatePlaybookName } from "./resolve.js";

/**
 * This module is src/playbooks/builtin.ts (tsx, jest) or dist/playbooks/builtin.js (after build):
 * two levels below the package root either way.
 */
export function builtinPlaybooksDir(): string {
  return fileURLToPath(new URL("../../playbooks/", import.meta.url));
}

/** Names of the built-in playbooks, sorted. Files with invalid names are skipped. */
export async function listBuiltinPlaybooks(dir: string = builtinPlaybooksDir()): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith(".md"))
    .map((e) => e.name.slice(0, -3))
    .filter((n) => validatePlaybookName(n) === null)
    .sort();
}

/** The built-in playbook's source, or null when there is none (or the name is invalid). */
export async function readBuiltinPlaybook(
  name: string,
  dir: string = builtinPlaybooksDir(),
): Promise<string | null> {
  if (validatePlaybookName(name) !== null) return null;
  try {
    return await readFile(join(dir, `${name}.md`), "utf8");
  } catch (err) {
    if (isNotFound(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return null;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return (
    (err as NodeJS.ErrnoException)?.code === "ENOENT" || (err as NodeJS.ErrnoException)?.code === "ENOTDIR"
  );
}
