// .github/maestro.yml from the default branch (DESIGN §5), through Probot's context.config (which
// also honours `_extends` and the org's .github repo). On an error the raw file is read again so the
// reply can point at the line.
import { parseRepoConfig, REPO_CONFIG_PATH, type ParseRepoConfigResult } from "../config/load-repo-config.js";
import { readRepoFile } from "./repo-files.js";
import type { Trigger } from "./trigger.js";

const loaded = new WeakMap<Trigger, Promise<ParseRepoConfigResult>>();

/** Loads the config once per trigger (the review follow-up and the router both ask). */
export function loadRepoConfig(t: Trigger): Promise<ParseRepoConfigResult> {
  let p = loaded.get(t);
  if (!p) {
    p = readConfig(t);
    loaded.set(t, p);
  }
  return p;
}

async function readConfig(t: Trigger): Promise<ParseRepoConfigResult> {
  let raw: unknown;
  try {
    raw = await t.loadConfig();
  } catch (err) {
    const text = await readRepoFile(t.octokit, t.owner, t.repo, REPO_CONFIG_PATH);
    if (text !== null) {
      const r = parseRepoConfig(text);
      if (!r.ok) return r;
    }
    const why =
      err instanceof Error ? err.message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, "") : String(err);
    return { ok: false, error: `${REPO_CONFIG_PATH}: ${why}` };
  }
  const r = parseRepoConfig(raw ?? {});
  if (r.ok) return r;
  // Invalid: the file's own text gives the same errors with their lines (unless _extends brought them in).
  const text = await readRepoFile(t.octokit, t.owner, t.repo, REPO_CONFIG_PATH);
  if (text !== null) {
    const withLines = parseRepoConfig(text);
    if (!withLines.ok) return withLines;
  }
  return r;
}
