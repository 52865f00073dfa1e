import { describe, expect, it } from "@jest/globals";
import {
  parseRunJob,
  runIdForDelivery,
  runJobSchema,
  type RunJobData,
} from "../../../src/queue/job-schema.js";

function validJob(over: Partial<RunJobData> = {}): RunJobData {
  return {
    runId: "rabc123",
    repo: { owner: "octo", name: "demo", id: 42 },
    installationId: 7,
    issueNumber: 3,
    isPullRequest: false,
    playbook: { name: "fix-issue", origin: "builtin", source: "- [ ] do it\n" },
    trigger: {
      kind: "comment",
      actor: "alice",
      commentId: 99,
      url: "https://github.com/octo/demo/issues/3#issuecomment-99",
    },
    requestedAt: "2026-01-02T03:04:05.000Z",
    ...over,
  };
}

describe("runJobSchema", () => {
  it("accepts a complete job", () => {
    const r = parseRunJob(
      validJob({
        headRef: "maestro/3-fix-issue-rabc1234",
        prNumber: 5,
        isPullRequest: true,
        resumeOf: "rold",
      }),
    );
    expect(r.ok).toBe(true);
  });

  it("rejects an extra token key (the token never enters Redis)", () => {
    const r = parseRunJob({ ...validJob(), token: "ghs_secret" });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain("token");
      expect(r.error).not.toContain("ghs_secret");
    }
    expect(
      runJobSchema.safeParse({ ...validJob(), repo: { owner: "o", name: "n", token: "x" } }).success,
    ).toBe(false);
    expect(
      runJobSchema.safeParse({
        ...validJob(),
        trigger: { kind: "comment", actor: "a", installationToken: "x" },
      }).success,
    ).toBe(false);
  });

  it.each(["a:b", "12345", "", "-x", "a b", "x".repeat(129)])(
    "rejects run id %j (BullMQ-unsafe)",
    (runId) => {
      expect(runJobSchema.safeParse(validJob({ runId })).success).toBe(false);
    },
  );

  it("rejects unknown trigger kinds and playbook origins", () => {
    expect(
      runJobSchema.safeParse(validJob({ trigger: { kind: "push" as "comment", actor: "a" } })).success,
    ).toBe(false);
    expect(
      runJobSchema.safeParse(validJob({ playbook: { name: "x", origin: "web" as "repo", source: "" } }))
        .success,
    ).toBe(false);
  });
});

describe("runIdForDelivery", () => {
  it("is deterministic, BullMQ-safe and distinct per command index", () => {
    const d = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
    const a = runIdForDelivery(d);
    expect(runIdForDelivery(d)).toBe(a);
    expect(runIdForDelivery(d, 1)).not.toBe(a);
    expect(runIdForDelivery("72d3162e-cc78-11e3-81ab-4c9367dc0959")).not.toBe(a);
    expect(a).not.toContain(":");
    expect(/^\d+$/.test(a)).toBe(false);
    expect(runJobSchema.shape.runId.safeParse(a).success).toBe(true);
  });
  it("refuses an empty delivery id", () => {
    expect(() => runIdForDelivery("")).toThrow(/delivery id/);
  });
});
