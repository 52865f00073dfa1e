import { describe, expect, it } from "@jest/globals";
import { ruledOutByAssociation } from "../../../src/github/authorize.js";
import { TtlCache } from "../../../src/handlers/auth-cache.js";

describe("ruledOutByAssociation", () => {
  it("rules out outsiders of a user's repository when the minimum is above read", () => {
    for (const association of [
      "NONE",
      "FIRST_TIMER",
      "FIRST_TIME_CONTRIBUTOR",
      "CONTRIBUTOR",
      "MANNEQUIN",
      "none",
    ])
      expect(ruledOutByAssociation({ association, ownerType: "User", minimum: "write" })).toBe(true);
    expect(ruledOutByAssociation({ association: "NONE", ownerType: "User", minimum: "triage" })).toBe(true);
  });

  it("never rules out the owner, members, collaborators, an organization's repository, a read minimum or no association", () => {
    for (const association of ["OWNER", "MEMBER", "COLLABORATOR"])
      expect(ruledOutByAssociation({ association, ownerType: "User", minimum: "write" })).toBe(false);
    // A private member with write access through a team is sent as CONTRIBUTOR.
    expect(
      ruledOutByAssociation({ association: "CONTRIBUTOR", ownerType: "Organization", minimum: "write" }),
    ).toBe(false);
    expect(ruledOutByAssociation({ association: "NONE", ownerType: "User", minimum: "read" })).toBe(false);
    expect(ruledOutByAssociation({ association: undefined, ownerType: "User", minimum: "write" })).toBe(
      false,
    );
    expect(ruledOutByAssociation({ association: "NONE", ownerType: undefined, minimum: "write" })).toBe(
      false,
    );
  });
});

describe("TtlCache", () => {
  it("forgets an answer after the TTL, and the oldest entries past its size", () => {
    let now = 0;
    const cache = new TtlCache<string>(1000, 3, () => now);
    cache.set("a", "1");
    now = 999;
    expect(cache.get("a")).toBe("1");
    now = 1000;
    expect(cache.get("a")).toBeUndefined();
    for (const k of ["b", "c", "d", "e"]) cache.set(k, k);
    expect(cache.size).toBe(3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("e")).toBe("e");
  });
});
