import { describe, expect, it } from "@jest/globals";
import path from "node:path";
import { resolveDataDir, runLogPath } from "../../../src/runlog/paths.js";

describe("run-log paths", () => {
  it("puts a run's log at <dataDir>/runs/<runId>.jsonl", () => {
    expect(runLogPath("/data", "abc-123")).toBe("/data/runs/abc-123.jsonl");
  });

  it("refuses run ids that would escape the runs dir", () => {
    for (const bad of ["../x", "a/b", "", ".hidden", "a..b"])
      expect(() => runLogPath("/d", bad)).toThrow(/Invalid run id/);
  });

  it("resolves MAESTRO_DATA_DIR, or ./.maestro, to an absolute path", () => {
    expect(resolveDataDir({ MAESTRO_DATA_DIR: "/srv/maestro" })).toBe("/srv/maestro");
    expect(resolveDataDir({ MAESTRO_DATA_DIR: "rel" })).toBe(path.resolve("rel"));
    expect(resolveDataDir({})).toBe(path.resolve(".maestro"));
    expect(resolveDataDir({ MAESTRO_DATA_DIR: "  " })).toBe(path.resolve(".maestro"));
  });
});
