// A user's permission on a repo (DESIGN §4). `permission` only says admin/write/read/none;
// `role_name` tells maintain and triage apart, so it wins when it is one of the built-in roles.
import { PERMISSION_LEVELS, type PermissionLevel } from "../config/repo-config.js";
import { httpStatus, type Octokit } from "./octokit.js";

export function toPermissionLevel(
  permission: string | undefined,
  roleName: string | undefined,
): PermissionLevel {
  const levels = PERMISSION_LEVELS as readonly string[];
  const role = roleName?.toLowerCase();
  if (role && levels.includes(role)) return role as PermissionLevel;
  // Custom repository roles have their own names; their base permission is in `permission`.
  const base = permission?.toLowerCase();
  if (base && levels.includes(base)) return base as PermissionLevel;
  return "none";
}

export async function getPermission(
  octokit: Octokit,
  owner: string,
  repo: string,
  username: string,
): Promise<PermissionLevel> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return toPermissionLevel(data.permission, (data as { role_name?: string }).role_name);
  } catch (err) {
    // 404: not a collaborator (or no such user).
    if (httpStatus(err) === 404) return "none";
    throw err;
  }
}
