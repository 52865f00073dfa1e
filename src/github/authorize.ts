// Who may trigger Maestro (DESIGN §4). Pure: the permission is looked up by the caller.
import { PERMISSION_LEVELS, type PermissionLevel, type RepoConfig } from "../config/repo-config.js";

export interface AuthorizeInput {
  sender: string;
  /** `User`, `Bot`, `Organization`, … from the webhook's sender.type. */
  senderType: string;
  /** The app's slug (its bot user is `<slug>[bot]`), when known. */
  appSlug?: string;
  /** The sender's permission on the repo; undefined when it was not looked up (bots). */
  permission?: PermissionLevel;
  config: Pick<RepoConfig, "permissions">;
}

export type AuthorizeResult =
  | { ok: true; via: "allowUsers" | "permission" }
  /** reply: whether the sender gets a reply and a 😕 (never for bots, to avoid loops). */
  | { ok: false; reason: string; reply: boolean };

export function rank(level: PermissionLevel): number {
  return PERMISSION_LEVELS.indexOf(level);
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Whether the sender is ignored outright: a bot, or the app itself. No permission lookup, no reply. */
export function isIgnoredSender(input: Pick<AuthorizeInput, "sender" | "senderType" | "appSlug">): boolean {
  if (input.senderType === "Bot" || input.sender.endsWith("[bot]")) return true;
  return (
    input.appSlug !== undefined &&
    (sameLogin(input.sender, input.appSlug) || sameLogin(input.sender, `${input.appSlug}[bot]`))
  );
}

/**
 * `author_association` values of someone who is not the owner, a member of the owning organization nor
 * a collaborator: they have no write access, by GitHub's definition.
 */
const OUTSIDE_ASSOCIATIONS = new Set([
  "NONE",
  "FIRST_TIMER",
  "FIRST_TIME_CONTRIBUTOR",
  "CONTRIBUTOR",
  "MANNEQUIN",
]);

/**
 * Whether the webhook payload alone shows the sender lacks `minimum`, so no permission lookup is needed:
 * their permission is then `read` (they could comment, so they read the repository; not being a
 * collaborator of a user's repository, they have no more).
 * Only for repositories a *user* owns: in an organization's repository a member whose membership is
 * private, with write access through a team, is sent as CONTRIBUTOR (or NONE) too — GitHub computes the
 * association for no viewer (rust-lang/triagebot#2094, actions/github-script#643) — so there the
 * permission is looked up. Only when `minimum` is above `read`.
 */
export function ruledOutByAssociation(input: {
  association?: string | undefined;
  ownerType?: string | undefined;
  minimum: PermissionLevel;
}): boolean {
  return (
    input.ownerType === "User" &&
    input.association !== undefined &&
    OUTSIDE_ASSOCIATIONS.has(input.association.toUpperCase()) &&
    rank(input.minimum) > rank("read")
  );
}

export function authorize(input: AuthorizeInput): AuthorizeResult {
  if (isIgnoredSender(input))
    return { ok: false, reason: `@${input.sender} is a bot; Maestro ignores bots.`, reply: false };
  const { minimum, allowUsers, denyUsers } = input.config.permissions;
  if (denyUsers.some((u) => sameLogin(u, input.sender))) {
    return {
      ok: false,
      reason: `@${input.sender} is in \`permissions.denyUsers\` of \`.github/maestro.yml\`, so Maestro does not take commands from them.`,
      reply: true,
    };
  }
  if (allowUsers.some((u) => sameLogin(u, input.sender))) return { ok: true, via: "allowUsers" };
  const level = input.permission ?? "none";
  if (rank(level) >= rank(minimum)) return { ok: true, via: "permission" };
  return {
    ok: false,
    reason:
      `@${input.sender} has \`${level}\` permission on this repository; Maestro needs at least \`${minimum}\` ` +
      `(\`permissions.minimum\` in \`.github/maestro.yml\`). Ask a maintainer to run the command, or to add you to \`permissions.allowUsers\`.`,
    reply: true,
  };
}
