// .github/maestro.yml as of the fetched default branch, read from the mirror (no API call).
// Unlike Probot's context.config, `_extends` is not followed.
import { parseRepoConfig, REPO_CONFIG_PATH, type ParseRepoConfigResult } from "../config/load-repo-config.js";
import { GitError } from "../git/errors.js";
import { runGit } from "../git/run-git.js";

export async function readMirrorRepoConfig(
  mirrorDir: string,
  defaultBranch: string,
): Promise<ParseRepoConfigResult> {
  let text: string;
  try {
    const { stdout } = await runGit(["show", `refs/remotes/origin/${defaultBranch}:${REPO_CONFIG_PATH}`], {
      cwd: mirrorDir,
    });
    text = stdout;
  } catch (err) {
    // No config file: the defaults apply.
    if (err instanceof GitError && err.exitCode === 128) return parseRepoConfig({});
    throw err;
  }
  return parseRepoConfig(text);
}
