import { describe, expect, it } from "@jest/globals";
import { defaultRepoConfig, repoConfigSchema } from "../../../src/config/repo-config.js";

describe("repo config", () => {
  it("fills every default of DESIGN §5", () => {
    const c = defaultRepoConfig();
    expect(c.agent).toBe("claude-code");
    expect(c.permissions.minimum).toBe("write");
    expect(c.limits).toEqual({
      maxCostUsdPerRun: 10,
      dailyBudgetUsd: 50,
      maxConcurrentRuns: 2,
      taskTimeoutMinutes: 30,
      runTimeoutMinutes: 180,
      stallTimeoutMinutes: 10,
    });
    expect(c.protectedPaths).toEqual([".github/workflows/**"]);
  });

  it("refuses unknown keys and bad values with a path", () => {
    const r = repoConfigSchema.safeParse({ limits: { maxCostUsdPerRun: -1 }, agnet: "x" });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toContain("limits.maxCostUsdPerRun");
  });
});
