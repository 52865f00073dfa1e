import { describe, expect, it } from "@jest/globals";
import { findProtectedChanges } from "../../../src/git/protected-paths.js";

describe("findProtectedChanges", () => {
  const files = [
    ".github/workflows/ci.yml",
    ".github/CODEOWNERS",
    "src/a.ts",
    "./.env",
    "deploy/secrets/prod.yaml",
    "README.md",
  ];

  it("matches dotfiles and dot-directories with the default workflow glob", () => {
    expect(findProtectedChanges(files, [".github/workflows/**"])).toEqual([".github/workflows/ci.yml"]);
  });

  it("matches any of several globs, normalizing ./ prefixes", () => {
    expect(findProtectedChanges(files, [".env", "**/secrets/**", ".github/CODEOWNERS"])).toEqual([
      ".github/CODEOWNERS",
      "./.env",
      "deploy/secrets/prod.yaml",
    ]);
  });

  it("protects nothing with no globs, and is not fooled by look-alike names", () => {
    expect(findProtectedChanges(files, [])).toEqual([]);
    expect(
      findProtectedChanges(
        ["github/workflows/x.yml", ".github/workflows-old/x.yml"],
        [".github/workflows/**"],
      ),
    ).toEqual([]);
  });
});
