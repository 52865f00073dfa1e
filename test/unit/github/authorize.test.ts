import { describe, expect, it } from "@jest/globals";
import {
  defaultRepoConfig,
  PERMISSION_LEVELS,
  type PermissionLevel,
} from "../../../src/config/repo-config.js";
import { authorize, isIgnoredSender } from "../../../src/github/authorize.js";
import { forkRefusal, pullInfoFrom } from "../../../src/github/fork.js";
import { toPermissionLevel } from "../../../src/github/permission.js";
import { prepareReply, quoteCommand } from "../../../src/github/reply.js";
import { renderQueuedComment, statusMarker } from "../../../src/github/status-comment.js";

function config(permissions: Partial<ReturnType<typeof defaultRepoConfig>["permissions"]> = {}) {
  const c = defaultRepoConfig();
  return { permissions: { ...c.permissions, ...permissions } };
}

describe("authorize", () => {
  const expected: Record<PermissionLevel, boolean> = {
    none: false,
    read: false,
    triage: false,
    write: true,
    maintain: true,
    admin: true,
  };
  it.each(PERMISSION_LEVELS.map((l) => [l, expected[l]] as const))(
    "default config: %s → %s",
    (permission, ok) => {
      const r = authorize({ sender: "u", senderType: "User", permission, config: config() });
      expect(r.ok).toBe(ok);
      if (!r.ok) {
        expect(r.reply).toBe(true);
        expect(r.reason).toContain(`\`${permission}\``);
        expect(r.reason).toContain("`write`");
      }
    },
  );

  it("the minimum moves the line", () => {
    const c = config({ minimum: "triage" });
    expect(authorize({ sender: "u", senderType: "User", permission: "triage", config: c }).ok).toBe(true);
    expect(authorize({ sender: "u", senderType: "User", permission: "read", config: c }).ok).toBe(false);
    const admins = config({ minimum: "admin" });
    expect(authorize({ sender: "u", senderType: "User", permission: "maintain", config: admins }).ok).toBe(
      false,
    );
  });

  it("denyUsers beats everything, allowUsers allows; logins compare case-insensitively", () => {
    const c = config({ allowUsers: ["Reader"], denyUsers: ["BOSS", "both"] });
    expect(authorize({ sender: "reader", senderType: "User", permission: "none", config: c })).toEqual({
      ok: true,
      via: "allowUsers",
    });
    const denied = authorize({ sender: "boss", senderType: "User", permission: "admin", config: c });
    expect(denied).toMatchObject({ ok: false, reply: true });
    const both = config({ allowUsers: ["both"], denyUsers: ["both"] });
    expect(authorize({ sender: "both", senderType: "User", permission: "admin", config: both }).ok).toBe(
      false,
    );
  });

  it("bots and the app itself are ignored without a reply, whatever their permission", () => {
    expect(
      authorize({ sender: "dependabot[bot]", senderType: "Bot", permission: "admin", config: config() }),
    ).toMatchObject({ ok: false, reply: false });
    expect(
      authorize({
        sender: "maestro-app[bot]",
        senderType: "User",
        permission: "admin",
        config: config({ allowUsers: ["maestro-app[bot]"] }),
      }),
    ).toMatchObject({
      ok: false,
      reply: false,
    });
    expect(isIgnoredSender({ sender: "Maestro-App", senderType: "User", appSlug: "maestro-app" })).toBe(true);
    expect(isIgnoredSender({ sender: "alice", senderType: "User", appSlug: "maestro-app" })).toBe(false);
  });
});

describe("toPermissionLevel", () => {
  it("uses role_name to tell maintain and triage apart", () => {
    expect(toPermissionLevel("write", "maintain")).toBe("maintain");
    expect(toPermissionLevel("read", "triage")).toBe("triage");
    expect(toPermissionLevel("admin", "admin")).toBe("admin");
  });
  it("falls back to permission for custom roles and to none for anything else", () => {
    expect(toPermissionLevel("write", "security-manager")).toBe("write");
    expect(toPermissionLevel(undefined, undefined)).toBe("none");
    expect(toPermissionLevel("weird", undefined)).toBe("none");
  });
});

describe("fork detection", () => {
  const base = { ref: "main", repo: { id: 1, full_name: "o/r" } };
  it("same repo is not a fork; another repo or a deleted fork is", () => {
    expect(
      pullInfoFrom({ number: 1, head: { ref: "maestro/x", repo: { id: 1, full_name: "o/r" } }, base })
        .fromFork,
    ).toBe(false);
    const fork = pullInfoFrom({
      number: 1,
      head: { ref: "main", repo: { id: 2, full_name: "evil/r" } },
      base,
    });
    expect(fork.fromFork).toBe(true);
    expect(forkRefusal(fork)).toContain("evil/r");
    const gone = pullInfoFrom({ number: 1, head: { ref: "main", repo: null }, base });
    expect(gone.fromFork).toBe(true);
    expect(forkRefusal(gone)).toContain("no longer exists");
    expect(
      forkRefusal(pullInfoFrom({ number: 1, head: { ref: "x", repo: { id: 1, full_name: "o/r" } }, base })),
    ).toBeNull();
  });
});

describe("status comment and replies", () => {
  it("the queued comment carries the marker, the run id and the exact commands", () => {
    const body = renderQueuedComment({
      runId: "rabc",
      playbook: "fix-issue",
      origin: "builtin",
      actor: "alice",
      agent: "claude-code",
    });
    expect(body.startsWith(statusMarker("rabc"))).toBe(true);
    expect(body).toContain("`/maestro cancel rabc`");
    expect(body).toContain("`/maestro status`");
  });
  it("replies never echo a token", () => {
    const token = "ghs_" + "a".repeat(36);
    expect(prepareReply(`oops ${token}`)).not.toContain(token);
    expect(prepareReply("x".repeat(70_000)).length).toBeLessThan(65_536);
  });
  it("quoteCommand fences backticks and keeps one line", () => {
    expect(quoteCommand("/maestro run `x`\nmore")).toBe("``/maestro run `x` more``");
  });
});
