// Paths a task may not touch (repo config protectedPaths, e.g. ".github/workflows/**").
import picomatch from "picomatch";

/** The files that match any of the globs (dotfiles included). */
export function findProtectedChanges(files: string[], globs: string[]): string[] {
  const patterns = globs.map((g) => g.trim()).filter(Boolean);
  if (patterns.length === 0) return [];
  const isProtected = picomatch(patterns, { dot: true });
  return files.filter((f) => isProtected(f.replace(/\\/g, "/").replace(/^\.\//, "")));
}
