// The sandbox's filesystem (DESIGN §11): an allowlist of what a sandboxed process sees, never the host's
// root with holes in it. System directories read-only; a curated /etc (no shadow, no private keys); the
// worktree and the session's private HOME and tmp writable; the repository's objects, the agent's own
// install and the operator's extra paths read-only. Nothing else of the host exists inside.
import fs from "node:fs";
import path from "node:path";

/** Top-level system directories, bound read-only (symlinks, as on merged-/usr systems, are recreated). */
export const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** The parts of /etc programs need: users, name resolution, TLS roots, alternatives, time zone, linker. */
export const ETC_ENTRIES = [
  "passwd",
  "group",
  "hosts",
  "host.conf",
  "nsswitch.conf",
  "resolv.conf",
  "gai.conf",
  "localtime",
  "timezone",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "ssl/certs",
  "ssl/openssl.cnf",
  "ca-certificates",
  "ca-certificates.conf",
  "pki/tls/certs",
  "mime.types",
  "os-release",
  "debian_version",
  "inputrc",
  "profile",
  "bash.bashrc",
  "environment",
];

/** Size of the in-memory /tmp inside the sandbox. */
export const TMPFS_BYTES = 1024 * 1024 * 1024;

export interface MountPlan {
  /** Writable at the same path inside: the worktree and the session's private dirs. */
  writable: string[];
  /** Read-only at the same path inside. */
  readOnly: string[];
  /** Read-only file over a path inside a writable mount (the worktree's .git → the agent's own git dir). */
  fileOverlays: { source: string; target: string }[];
}

function exists(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

function systemArgs(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const st = exists(dir);
    if (!st) continue;
    if (st.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  for (const entry of ETC_ENTRIES) {
    const p = path.join("/etc", entry);
    if (exists(p)) args.push("--ro-bind", p, p);
  }
  return args;
}

/** Paths that lie under another path of the list add nothing (and parents must be mounted first). */
function outermost(paths: string[]): string[] {
  const sorted = [...new Set(paths.map((p) => path.resolve(p)))].sort((a, b) => a.length - b.length);
  return sorted.filter((p, i) => !sorted.slice(0, i).some((q) => p === q || p.startsWith(`${q}/`)));
}

/**
 * bwrap's argv (before `--` and the command): own user, PID, IPC, UTS, cgroup and network namespaces, a
 * private /proc, /dev and /tmp, no capabilities, a new session (no terminal to inject into), and death
 * with the parent. Every process the command starts dies with it: bwrap's init is PID 1 of the namespace.
 */
export function bwrapArgs(plan: MountPlan, cwd: string): string[] {
  const args = [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    ...systemArgs(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // /tmp and /run live in memory: capped, so a session cannot fill the host's RAM through them
    // (TMPDIR points at the run's private tmp on disk).
    "--size",
    String(TMPFS_BYTES),
    "--tmpfs",
    "/tmp",
    "--size",
    String(16 * 1024 * 1024),
    "--tmpfs",
    "/run",
  ];
  const writable = outermost(plan.writable);
  const readOnly = outermost(plan.readOnly).filter(
    (p) => !SYSTEM_DIRS.some((d) => p === d || p.startsWith(`${d}/`)),
  );
  // Read-only first: a writable dir inside a read-only one (rare) must be mounted after it.
  for (const p of readOnly) if (exists(p)) args.push("--ro-bind", p, p);
  for (const p of writable) args.push("--bind", p, p);
  for (const o of plan.fileOverlays) args.push("--ro-bind", o.source, o.target);
  // The skeleton bwrap built the mount points in stays read-only: nothing can be written beside the mounts.
  args.push("--remount-ro", "/", "--chdir", cwd);
  return args;
}
