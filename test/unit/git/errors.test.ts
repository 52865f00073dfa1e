import { describe, expect, it } from "@jest/globals";
import { classifyGitError, mainLine } from "../../../src/git/errors.js";

// Messages as git 2.3x prints them.
describe("classifyGitError", () => {
  const cases: Array<[string, string]> = [
    ["fatal: not a git repository (or any of the parent directories): .git", "not_a_repository"],
    ["fatal: ambiguous argument 'nope': unknown revision or path not in the working tree.", "bad_ref"],
    ["fatal: invalid reference: nope", "bad_ref"],
    ["fatal: Needed a single revision", "bad_ref"],
    ["fatal: couldn't find remote ref refs/heads/gone", "bad_ref"],
    ["fatal: a branch named 'maestro/1' already exists", "branch_exists"],
    ["fatal: '/tmp/wt' already exists", "worktree_exists"],
    ["fatal: 'main' is already checked out at '/repo'", "already_checked_out"],
    ["fatal: 'main' is already used by worktree at '/repo'", "already_checked_out"],
    [
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/o/r.git/'",
      "auth_failed",
    ],
    ["fatal: could not read Username for 'https://github.com': terminal prompts disabled", "auth_failed"],
    [
      "fatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403",
      "auth_failed",
    ],
    [
      "remote: Repository not found.\nfatal: repository 'https://github.com/o/r.git/' not found",
      "repo_not_found",
    ],
    ["fatal: '/nope' does not appear to be a git repository", "repo_not_found"],
    ["fatal: unable to access 'https://github.com/o/r.git/': Could not resolve host: github.com", "network"],
    [
      "fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother git process seems to be running",
      "lock",
    ],
    ["nothing to commit, working tree clean", "nothing_to_commit"],
    [
      "CONFLICT (content): Merge conflict in a.txt\nAutomatic merge failed; fix conflicts and then commit the result.",
      "merge_conflict",
    ],
    [
      " ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs to '/r.git'",
      "non_fast_forward",
    ],
    [
      " ! [rejected]        b -> b (non-fast-forward)\nerror: failed to push some refs to 'https://github.com/o/r.git'",
      "non_fast_forward",
    ],
    [
      "remote: error: GH006: Protected branch update failed for refs/heads/main.\n ! [remote rejected] main -> main (protected branch hook declined)",
      "protected_branch",
    ],
    [" ! [remote rejected] b -> b (pre-receive hook declined)", "push_rejected"],
    ["error: unable to write file: No space left on device", "disk_full"],
    ["fatal: something nobody has seen", "unknown"],
  ];
  for (const [stderr, kind] of cases) {
    it(`${kind}: ${stderr.slice(0, 50)}`, () => {
      expect(classifyGitError(stderr)).toBe(kind);
    });
  }

  it("picks git's fatal/error line as the main message", () => {
    expect(mainLine("hint: foo\nfatal: the real thing\nhint: bar\n")).toBe("fatal: the real thing");
    expect(mainLine("just one line\n")).toBe("just one line");
  });
});
