// `maestro doctor` on this host: the sandbox (required unless the operator turned it off) and the agents' CLIs
// (found and answering --version), each failure with the message and the fix it prints.
// GitHub App credentials, Redis's eviction policy and the public URL: test/integration/cli/doctor.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { doctorCommand } from "../../../src/cli/commands/doctor.js";

async function doctor(env: NodeJS.ProcessEnv, json = false): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await doctorCommand({ stdout, stderr: new PassThrough(), env, cwd: os.tmpdir() }, { json });
  return { code, out };
}

let bin: string;

/** An executable script in `bin`. */
function script(name: string, body: string): string {
  const file = path.join(bin, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-doctor-"));
  fs.symlinkSync("/usr/bin/git", path.join(bin, "git"));
  // A stand-in agent CLI: only `codex --version`, fast.
  script("codex", 'echo "codex-cli 9.9.9"');
});

afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

describe("maestro doctor: the sandbox", () => {
  it("passes where bubblewrap can start", async () => {
    const r = await doctor({ PATH: `${bin}:${process.env.PATH}`, MAESTRO_ALLOWED_AGENTS: "codex" });
    expect(r.out).toMatch(/^✓ sandbox: on \(bubblewrap/m);
  });

  it("fails (exit 3) with the fix when bwrap is missing, and only warns when the operator turned it off", async () => {
    const missing = await doctor({ PATH: bin });
    expect(missing.code).toBe(3);
    expect(missing.out).toMatch(
      /^✗ sandbox: bubblewrap \(bwrap\) is not on PATH: install it \(Debian\/Ubuntu: `apt-get install bubblewrap socat`\)\n {2}fix: serve and worker refuse every run until the sandbox starts/m,
    );
    expect(missing.out).toMatch(/^1 problem to fix \(✗\)/m);
    const off = await doctor({ PATH: bin, MAESTRO_SANDBOX: "off" });
    expect(off.code).toBe(0);
    expect(off.out).toMatch(/^! sandbox: WARNING: the sandbox is off/m);
    expect(off.out).toMatch(/^ {2}fix: install bubblewrap and socat and unset MAESTRO_SANDBOX/m);
  });
});

describe("maestro doctor: agent CLIs", () => {
  it("shows each agent's binary and version", async () => {
    const r = await doctor({ PATH: bin, MAESTRO_SANDBOX: "off" });
    expect(r.out).toContain(`✓ agent codex: ${bin}/codex: codex-cli 9.9.9\n`);
    // Allowed by default but not installed: a warning, since another agent can run.
    expect(r.out).toMatch(
      /^! agent claude-code: `claude` is not on PATH: runs that choose claude-code fail\n {2}fix: install it \(`npm install -g @anthropic-ai\/claude-code`\) or set MAESTRO_CLAUDE_CODE_BIN to its path; or leave claude-code out of MAESTRO_ALLOWED_AGENTS$/m,
    );
    expect(r.code).toBe(0);
  });

  it("fails (exit 3) when an agent the operator allows has no binary", async () => {
    const r = await doctor({ PATH: bin, MAESTRO_SANDBOX: "off", MAESTRO_ALLOWED_AGENTS: "codex,gemini" });
    expect(r.code).toBe(3);
    expect(r.out).toMatch(
      /^✗ agent gemini: `gemini` is not on PATH: runs that choose gemini fail\n {2}fix: install it \(`npm install -g @google\/gemini-cli`\) or set MAESTRO_GEMINI_BIN to its path$/m,
    );
    expect(r.out).toMatch(/^✓ agent codex: /m);
    // Only the allowed agents are checked.
    expect(r.out).not.toMatch(/agent claude-code|agent opencode/);
  });

  it("fails when MAESTRO_<AGENT>_BIN names no executable, or the binary does not answer --version", async () => {
    const broken = script("claude-broken", 'echo "error: cannot find module ./cli.js" >&2; exit 1');
    const named = await doctor({
      PATH: bin,
      MAESTRO_SANDBOX: "off",
      MAESTRO_CLAUDE_CODE_BIN: "/opt/nowhere/claude",
      MAESTRO_GEMINI_BIN: broken,
    });
    expect(named.code).toBe(3);
    expect(named.out).toMatch(
      /^✗ agent claude-code: `\/opt\/nowhere\/claude` is not an executable file: runs that choose claude-code fail\n {2}fix: install it .* or set MAESTRO_CLAUDE_CODE_BIN to its path$/m,
    );
    expect(named.out).toContain(
      `✗ agent gemini: \`${broken} --version\` failed (error: cannot find module ./cli.js)\n  fix: reinstall it (\`npm install -g @google/gemini-cli\`), or set MAESTRO_GEMINI_BIN to a working binary\n`,
    );
  });

  it("fails when no allowed agent can start at all", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-doctor-empty-"));
    try {
      fs.symlinkSync("/usr/bin/git", path.join(empty, "git"));
      const r = await doctor({ PATH: empty, MAESTRO_SANDBOX: "off" });
      expect(r.code).toBe(3);
      for (const agent of ["claude-code", "codex", "opencode", "gemini"])
        expect(r.out).toMatch(new RegExp(`^✗ agent ${agent}: `, "m"));
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("maestro doctor --json", () => {
  it("prints one document: ok, deployment, and every check with its status, detail and fix", async () => {
    const r = await doctor(
      { PATH: bin, MAESTRO_SANDBOX: "off", MAESTRO_ALLOWED_AGENTS: "codex,gemini" },
      true,
    );
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.out) as {
      ok: boolean;
      deployment: boolean;
      checks: { name: string; status: string; detail: string; fix?: string }[];
    };
    expect(doc.ok).toBe(false);
    expect(doc.deployment).toBe(false);
    expect(doc.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "environment",
        "git",
        "GitHub App",
        "Redis",
        "sandbox",
        "agent codex",
        "agent gemini",
        "disk",
      ]),
    );
    expect(doc.checks.find((c) => c.name === "agent gemini")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("MAESTRO_GEMINI_BIN"),
    });
    expect(doc.checks.find((c) => c.name === "GitHub App")).toMatchObject({ status: "warn" });
  });
});

describe("maestro doctor: environment and disk", () => {
  it("fails on an environment serve and worker would refuse, and on too little free disk", async () => {
    const r = await doctor({
      PATH: bin,
      MAESTRO_SANDBOX: "off",
      MAESTRO_ALLOWED_AGENTS: "codex",
      LOG_LEVEL: "loud",
      MAESTRO_MIN_FREE_DISK_MB: String(1024 * 1024 * 1024),
    } as Record<string, string> as NodeJS.ProcessEnv);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(
      /^✗ environment: serve and worker would refuse to start: LOG_LEVEL must be one of trace, debug/m,
    );
    expect(r.out).toMatch(
      /^✗ disk: \d+ MiB free under .*; a worker starts a run only with 1073741824 MiB \(MAESTRO_MIN_FREE_DISK_MB\)$/m,
    );
  });
});
