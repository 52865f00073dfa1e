// Reading the repo's default branch through the contents API.
import { httpStatus, type Octokit } from "../github/octokit.js";
import { REPO_PLAYBOOKS_DIR } from "../playbooks/resolve.js";

/** The file's text, or null when it does not exist (or is a directory). */
export async function readRepoFile(
  octokit: Octokit,
  owner: string,
  repo: string,
  path: string,
): Promise<string | null> {
  try {
    const res = await octokit.rest.repos.getContent({ owner, repo, path, mediaType: { format: "raw" } });
    return typeof res.data === "string" ? res.data : null;
  } catch (err) {
    if (httpStatus(err) === 404) return null;
    throw err;
  }
}

/** File names in .github/maestro/playbooks, or [] when the folder does not exist. */
export async function listRepoPlaybookFiles(
  octokit: Octokit,
  owner: string,
  repo: string,
): Promise<string[]> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner, repo, path: REPO_PLAYBOOKS_DIR });
    return Array.isArray(data) ? data.filter((e) => e.type === "file").map((e) => e.name) : [];
  } catch (err) {
    if (httpStatus(err) === 404) return [];
    throw err;
  }
}
