// `maestro doctor` checks the sandbox: required unless the operator turned it off.
import { describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { doctorCommand } from "../../../src/cli/commands/doctor.js";

async function doctor(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await doctorCommand({ stdout, stderr: new PassThrough(), env, cwd: os.tmpdir() });
  return { code, out };
}

describe("maestro doctor: the sandbox", () => {
  it("passes where bubblewrap can start", async () => {
    const r = await doctor({ PATH: process.env.PATH });
    expect(r.out).toMatch(/^✓ sandbox: on \(bubblewrap/m);
  });

  it("fails (exit 3) with the fix when bwrap is missing, and only warns when the operator turned it off", async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-doctor-"));
    try {
      fs.symlinkSync("/usr/bin/git", path.join(bin, "git"));
      const missing = await doctor({ PATH: bin });
      expect(missing.code).toBe(3);
      expect(missing.out).toMatch(
        /^✗ sandbox: bubblewrap \(bwrap\) is not on PATH: install it \(Debian\/Ubuntu: `apt-get install bubblewrap socat`\)/m,
      );
      const off = await doctor({ PATH: bin, MAESTRO_SANDBOX: "off" });
      expect(off.code).toBe(0);
      expect(off.out).toMatch(/^! sandbox: WARNING: the sandbox is off/m);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
