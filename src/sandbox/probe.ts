// Can the sandbox start here? bubblewrap and socat must be installed, and bwrap must be allowed to make
// its namespaces (user namespaces, or root). Each problem is said with its fix.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { findExecutable } from "../agents/bin.js";
import { bwrapArgs } from "./mounts.js";

const exec = promisify(execFile);

export type SandboxProbe =
  { ok: true; bwrap: string; socat: string; version: string } | { ok: false; problem: string };

const INSTALL = "install it (Debian/Ubuntu: `apt-get install bubblewrap socat`)";

let cached: Promise<SandboxProbe> | undefined;
let cachedPath: string | undefined;

/** Checks once per process (per PATH): finds bwrap and socat and starts one sandbox. */
export function probeSandbox(env: NodeJS.ProcessEnv = process.env): Promise<SandboxProbe> {
  const pathVar = env.PATH ?? "";
  if (!cached || cachedPath !== pathVar) {
    cachedPath = pathVar;
    cached = probe(pathVar);
  }
  return cached;
}

async function probe(pathVar: string): Promise<SandboxProbe> {
  const bwrap = findExecutable("bwrap", pathVar);
  if (!bwrap) return { ok: false, problem: `bubblewrap (bwrap) is not on PATH: ${INSTALL}` };
  const socat = findExecutable("socat", pathVar);
  if (!socat) return { ok: false, problem: `socat is not on PATH (the sandbox's network relay): ${INSTALL}` };
  try {
    const { stdout } = await exec(bwrap, ["--version"], { timeout: 5000 });
    const args = bwrapArgs({ writable: [], readOnly: [], fileOverlays: [] }, "/");
    await exec(bwrap, [...args, "--", "/bin/sh", "-c", "exit 0"], {
      timeout: 10_000,
      env: { PATH: pathVar },
    });
    return { ok: true, bwrap, socat, version: stdout.trim() };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr || e.message).trim().split("\n").pop();
    return {
      ok: false,
      problem:
        `bubblewrap cannot create its namespaces here (${why}). Allow unprivileged user namespaces ` +
        "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0), or in a container run with " +
        "a seccomp/AppArmor profile that permits them and an unmasked /proc (docker: --security-opt seccomp=unconfined " +
        "--security-opt apparmor=unconfined --security-opt systempaths=unconfined; see docs/deploy.md)",
    };
  }
}
