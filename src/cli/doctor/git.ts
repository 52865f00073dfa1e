// git on PATH: every run clones, commits and pushes with it.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CheckResult, DoctorContext } from "./check.js";

const exec = promisify(execFile);

export async function checkGit(ctx: DoctorContext): Promise<CheckResult> {
  try {
    const { stdout } = await exec("git", ["--version"], {
      env: { PATH: ctx.env.PATH ?? "" },
      timeout: 10_000,
    });
    return { name: "git", status: "ok", detail: stdout.trim() };
  } catch {
    return {
      name: "git",
      status: "fail",
      detail: "git is not on PATH",
      fix: "install git (Debian/Ubuntu: `apt-get install git`)",
    };
  }
}
