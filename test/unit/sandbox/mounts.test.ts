import { describe, expect, it } from "@jest/globals";
import { bwrapArgs } from "../../../src/sandbox/mounts.js";

describe("bwrapArgs", () => {
  const args = bwrapArgs(
    {
      writable: ["/tmp/x/wt", "/tmp/x/wt/sub", "/tmp/s/home"],
      readOnly: ["/usr/lib/node_modules", "/data/mirrors/o/r.git/objects", "/nonexistent/path"],
      fileOverlays: [{ source: "/tmp/s/dotgit", target: "/tmp/x/wt/.git" }],
    },
    "/tmp/x/wt",
  );
  const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
  it("unshares every namespace, drops capabilities and dies with its parent", () => {
    expect(args.slice(0, 5)).toEqual([
      "--unshare-all",
      "--die-with-parent",
      "--new-session",
      "--cap-drop",
      "ALL",
    ]);
    expect(args).not.toContain("--share-net");
  });
  it("never mounts the host's root, home or /etc wholesale; /etc/shadow is not there", () => {
    expect(pairs("--ro-bind")).not.toContain("/");
    expect(pairs("--bind")).not.toContain("/");
    expect(pairs("--ro-bind")).not.toContain("/etc");
    expect(pairs("--ro-bind")).not.toContain("/root");
    expect(pairs("--ro-bind")).not.toContain("/etc/shadow");
    expect(pairs("--ro-bind")).toContain("/etc/passwd");
  });
  it("writes only where the plan says, nested paths once, the .git overlay last and read-only", () => {
    expect([...pairs("--bind")].sort()).toEqual(["/tmp/s/home", "/tmp/x/wt"]);
    expect(pairs("--ro-bind")).toContain("/tmp/s/dotgit");
    expect(pairs("--ro-bind")).not.toContain("/usr/lib/node_modules"); // inside /usr, already read-only
    expect(pairs("--ro-bind")).not.toContain("/nonexistent/path");
    const worktreeBind = args.findIndex((a, i) => a === "--bind" && args[i + 1] === "/tmp/x/wt");
    expect(args.indexOf("/tmp/s/dotgit")).toBeGreaterThan(worktreeBind);
    expect(args.slice(-4)).toEqual(["--remount-ro", "/", "--chdir", "/tmp/x/wt"]);
  });
});
