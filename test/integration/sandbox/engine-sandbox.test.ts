// The engine with the sandbox on (DESIGN §11): a `command` agent that behaves as a prompt-injected agent
// would, run by the real engine on a real repository through real bubblewrap. Each attempt must fail.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { probeSandbox } from "../../../src/sandbox/probe.js";
import type { SandboxSetup } from "../../../src/sandbox/run-sandbox.js";
import { engineFixture, runEngine, type EngineFixture } from "../../helpers/engine-run.js";

const PB = "# Probe\n\n- [ ] Probe the sandbox\n";

async function setup(extra: Partial<SandboxSetup["policy"]> = {}): Promise<SandboxSetup> {
  const probe = await probeSandbox();
  if (!probe.ok) throw new Error(`the sandbox cannot start on this machine: ${probe.problem}`);
  return {
    bwrap: probe.bwrap,
    socat: probe.socat,
    policy: { mode: "on", allowHosts: [], readPaths: [], agentPermissions: "full", ...extra },
  };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

describe("engine in the sandbox", () => {
  let fx: EngineFixture;
  let server: http.Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    fx = await engineFixture({ "README.md": "# demo\n" });
    server = http.createServer((req, res) => {
      hits.push(req.url ?? "");
      res.end("reached");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await fx.cleanup();
  });

  it("sees its own processes only, no data dir, no worker env; writes only the worktree", async () => {
    const secretFile = path.join(fx.dataDir, "secret-key.pem");
    fs.writeFileSync(secretFile, "TOP-SECRET-KEY", { mode: 0o600 });
    const agent = [
      "out=probe.txt",
      'echo "pid1=$(cat /proc/1/cmdline | tr "\\0" " ")" >> $out',
      'echo "procs=$(ls /proc | grep -c "^[0-9]")" >> $out',
      `cat ${secretFile} >> $out 2>&1 || echo "datadir: unreadable" >> $out`,
      `ls -A ${fx.dataDir} > ls.txt 2>&1`,
      `ls ${fx.repo.dir} >> $out 2>&1 || echo "repo: unlistable" >> $out`,
      "env > env.txt",
      'cat /etc/shadow >> $out 2>&1 || echo "shadow: unreadable" >> $out',
      'touch /usr/evil 2>/dev/null && echo "usr: writable" >> $out || echo "usr: read-only" >> $out',
      'echo ok > "$HOME/home-file" && echo "home: writable" >> $out',
    ].join("\n");
    const run = await runEngine(fx, PB, {
      agent: "command",
      agentCommand: agent,
      sandbox: await setup(),
      env: { ...process.env, PRIVATE_KEY: "PK-SHOULD-NOT-LEAK", MAESTRO_AGENT_X: "1" },
    });
    expect(run.result.status).toBe("succeeded");
    const sha = run.result.tasks[0]!.sha!;
    const probe = git(fx.repo.dir, "show", `${sha}:probe.txt`);
    expect(probe).not.toContain("TOP-SECRET-KEY");
    expect(probe).toContain("datadir: unreadable");
    // Only the empty path down to the worktree exists: no run logs, no key file, no other worktree.
    expect(git(fx.repo.dir, "show", `${sha}:ls.txt`)).toBe("worktrees");
    expect(probe).toContain("repo: unlistable");
    expect(probe).toContain("shadow: unreadable");
    expect(probe).toContain("usr: read-only");
    expect(probe).toContain("home: writable");
    expect(probe).toMatch(/pid1=\S*bwrap /);
    // bwrap's init, sh and the few commands of the probe: never the worker's, git's or jest's processes.
    expect(Number(/procs=(\d+)/.exec(probe)![1])).toBeLessThan(10);
    const env = git(fx.repo.dir, "show", `${sha}:env.txt`);
    expect(env).not.toContain("PK-SHOULD-NOT-LEAK");
    expect(env).toMatch(/^MAESTRO_AGENT_X=1$/m);
  });

  it("a hostile verify command (the repository's code) runs in the sandbox too: no data dir, no worker process", async () => {
    const secretFile = path.join(fx.dataDir, "verify-target.pem");
    fs.writeFileSync(secretFile, "VERIFY-SHOULD-NOT-READ", { mode: 0o600 });
    const run = await runEngine(fx, PB, {
      agent: "command",
      agentCommand: "echo ok > ok.txt",
      verify: [`cat ${secretFile}; cat /proc/*/environ | tr '\\0' '\\n' | grep -c PK_WORKER_SECRET; exit 1`],
      sandbox: await setup(),
      env: { ...process.env, PK_WORKER_SECRET: "pk-worker-value" },
    });
    expect(run.result.status).toBe("failed");
    const verify = run.events.filter((e) => e.type === "task.verify") as Array<{ outputTail: string }>;
    expect(verify.length).toBeGreaterThan(0);
    for (const v of verify) {
      expect(v.outputTail).toMatch(/No such file or directory/);
      expect(v.outputTail).not.toContain("VERIFY-SHOULD-NOT-READ");
      expect(v.outputTail).toMatch(/^0$/m);
    }
    expect(run.logText).not.toContain("pk-worker-value");
  });

  it("reaches allowlisted hosts only: not the worker's ports, not metadata", async () => {
    const curl = (url: string) =>
      `node -e "fetch('${url}').then(r=>r.text()).then(t=>console.log('${url} ->',t)).catch(e=>console.log('${url} -> blocked', e.cause?.code ?? e.message))" >> net.txt`;
    const agent = [
      curl(`http://127.0.0.1:${port}/allowed`),
      curl(`http://127.0.0.1:6379/`),
      `(exec 3<>/dev/tcp/127.0.0.1/6379 && echo redis: connected || echo redis: refused) >> net.txt 2>&1`,
      `curl -sf -m 5 -x "$HTTPS_PROXY" http://169.254.169.254/latest/meta-data/ >> net.txt 2>&1; echo "metadata: $?" >> net.txt`,
      `curl -sS -m 5 https://example.com/ >> net.txt 2>&1; echo "example: $?" >> net.txt`,
    ].join("\n");
    const run = await runEngine(fx, PB, {
      agent: "command",
      agentCommand: `bash -c '${agent.replace(/'/g, "'\\''")}'`,
      sandbox: await setup({ allowHosts: [`127.0.0.1:${port}`] }),
    });
    expect(run.result.status).toBe("succeeded");
    const net = git(fx.repo.dir, "show", `${run.result.tasks[0]!.sha!}:net.txt`);
    expect(net).toContain(`http://127.0.0.1:${port}/allowed -> reached`);
    expect(hits).toContain("/allowed");
    expect(net).toMatch(/127\.0\.0\.1:6379\/ -> blocked/);
    expect(net).toContain("redis: refused");
    expect(net).toMatch(/metadata: [1-9]/);
    expect(net).toMatch(/CONNECT tunnel failed, response 403[\s\S]*example: [1-9]/);
    const denied = run.events.filter(
      (e) => e.type === "agent.message" && /refused/.test((e as { text: string }).text),
    );
    expect(denied.length).toBeGreaterThan(0);
  });

  it("kills every process the session started, setsid and double fork included", async () => {
    const marker = `maestro-survivor-${process.pid}-${Date.now()}`;
    const agent = [
      `setsid bash -c 'exec -a ${marker} sleep 300' >/dev/null 2>&1 </dev/null &`,
      `(bash -c 'exec -a ${marker} sleep 300' &)`,
      "sleep 0.3",
      // Not vacuous: both were running inside the sandbox when the session ended.
      `pgrep -f '^${marker}' | wc -l > running.txt`,
    ].join("\n");
    const run = await runEngine(fx, PB, { agent: "command", agentCommand: agent, sandbox: await setup() });
    expect(run.result.status).toBe("succeeded");
    expect(git(fx.repo.dir, "show", `${run.result.tasks[0]!.sha!}:running.txt`)).toBe("2");
    let left = "";
    try {
      left = execFileSync("pgrep", ["-f", `^${marker}`], { encoding: "utf8" }).trim();
    } catch {
      // pgrep exits 1 when nothing matches
    }
    expect(left).toBe("");
  });

  it("on cancel, every process of the session is gone within 10 s, whatever it ignores", async () => {
    const marker = `maestro-cancelled-${process.pid}-${Date.now()}`;
    const agent = [
      `setsid bash -c 'trap "" TERM; exec -a ${marker} sleep 300' >/dev/null 2>&1 </dev/null &`,
      `bash -c 'trap "" TERM; exec -a ${marker} sleep 300' &`,
      "trap '' TERM",
      "echo started > started.txt",
      "sleep 300",
    ].join("\n");
    const cancel = new AbortController();
    const running = runEngine(fx, PB, {
      agent: "command",
      agentCommand: agent,
      sandbox: await setup(),
      signal: cancel.signal,
    });
    const pids = () => {
      try {
        // Anchored: only the processes renamed to the marker, not the shells whose scripts mention it.
        return execFileSync("pgrep", ["-f", `^${marker}`], { encoding: "utf8" })
          .trim()
          .split("\n");
      } catch {
        return [];
      }
    };
    const deadline = Date.now() + 20_000;
    while (pids().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pids()).toHaveLength(2);
    const cancelledAt = Date.now();
    cancel.abort();
    const run = await running;
    expect(run.result.status).toBe("cancelled");
    while (pids().length > 0 && Date.now() - cancelledAt < 10_000)
      await new Promise((r) => setTimeout(r, 50));
    expect(pids()).toEqual([]);
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
  });

  it("keeps the agent's git to itself: .git, the mirror config and hooks are out of reach", async () => {
    const commonDir = git(fx.repo.dir, "rev-parse", "--path-format=absolute", "--git-common-dir");
    const configBefore = fs.readFileSync(path.join(commonDir, "config"), "utf8");
    const marker = path.join(fx.dataDir, `fsmonitor-ran-${Date.now()}`);
    const agent = [
      'echo "gitdir: /tmp/evil" > .git 2>/dev/null; echo "dotgit: $?" > git.txt',
      'echo change >> README.md && git add README.md && git commit -qm "agent commit" && echo "commit: ok" >> git.txt',
      `git config core.fsmonitor "touch ${marker}"; echo "config: $?" >> git.txt`,
      // The mirror's path is an empty skeleton on the sandbox's own tmpfs: this writes nothing of the host's.
      `git config --file ${commonDir}/config url.http://attacker.invalid/.insteadOf https://`,
      "git status --short >> git.txt",
    ].join("\n");
    const run = await runEngine(fx, PB, { agent: "command", agentCommand: agent, sandbox: await setup() });
    expect(run.result.tasks[0]?.error ?? run.result.error).toBeUndefined();
    expect(run.result.status).toBe("succeeded");
    const sha = run.result.tasks[0]!.sha!;
    const report = git(fx.repo.dir, "show", `${sha}:git.txt`);
    expect(report).toMatch(/dotgit: [1-9]/);
    expect(report).toContain("commit: ok");
    expect(fs.readFileSync(path.join(commonDir, "config"), "utf8")).toBe(configBefore);
    expect(fs.existsSync(marker)).toBe(false);
    // The agent's own commit stayed in its private git dir: the branch holds Maestro's task commit on the base.
    expect(git(fx.repo.dir, "log", "--format=%s", `${sha}`).split("\n")).toEqual([
      "Probe the sandbox",
      "initial commit",
    ]);
    expect(git(fx.repo.dir, "show", `${sha}:README.md`)).toContain("change");
  });

  it("without the sandbox, a replaced .git fails the task and is put back; Maestro's git never read it", async () => {
    const marker = path.join(fx.dataDir, `planted-gitdir-${Date.now()}`);
    const agent = [
      "rm -f .git && mkdir -p .git/hooks",
      `printf '[core]\\n\\tfsmonitor = touch ${marker}\\n\\trepositoryformatversion = 0\\n' > .git/config`,
      "echo 'ref: refs/heads/main' > .git/HEAD && mkdir -p .git/objects .git/refs",
      "echo change >> README.md",
    ].join("\n");
    const before = fs.readFileSync(path.join(fx.repo.dir, ".git/HEAD"), "utf8");
    const run = await runEngine(fx, PB, { agent: "command", agentCommand: agent, keepWorktree: true });
    expect(run.result.status).toBe("failed");
    expect(run.result.tasks[0]?.error).toMatch(/\.git was replaced.*restored it/);
    const dotGit = fs.readFileSync(path.join(run.result.worktreePath, ".git"), "utf8");
    expect(dotGit).toMatch(/^gitdir: /);
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.readFileSync(path.join(fx.repo.dir, ".git/HEAD"), "utf8")).toBe(before);
  });

  it("without the sandbox, commits the agent made itself are folded into the task's commit and checked", async () => {
    const commitAs =
      'git -c user.name=agent -c user.email=a@b -c core.hooksPath=/dev/null commit -qm "agent"';
    const innocent = `echo one > one.txt && git add one.txt && ${commitAs} && echo two > two.txt`;
    const ok = await runEngine(fx, PB, { agent: "command", agentCommand: innocent });
    expect(ok.result.status).toBe("succeeded");
    const sha = ok.result.tasks[0]!.sha!;
    expect(git(fx.repo.dir, "log", "--format=%s", sha).split("\n")).toEqual([
      "Probe the sandbox",
      "initial commit",
    ]);
    expect(git(fx.repo.dir, "show", "--name-only", "--format=", sha).split("\n").sort()).toEqual([
      "one.txt",
      "two.txt",
    ]);
    expect(git(fx.repo.dir, "log", "-1", "--format=%(trailers:key=Maestro-Task,valueonly)", sha)).toBe("0");

    const workflow = `mkdir -p .github/workflows && echo 'on: push' > .github/workflows/steal.yml && git add -A && ${commitAs}`;
    const bad = await runEngine(fx, PB, { agent: "command", agentCommand: workflow });
    expect(bad.result.status).toBe("failed");
    expect(bad.result.tasks[0]?.error).toMatch(/protected paths: \.github\/workflows\/steal\.yml/);
    expect(git(fx.repo.dir, "log", "--format=%s", bad.result.branch)).toBe("initial commit");

    // An agent that commits and then fails: its commit is taken off the branch too, never pushed as it is.
    const failing = `${workflow} && exit 3`;
    const failed = await runEngine(fx, PB, { agent: "command", agentCommand: failing });
    expect(failed.result.status).toBe("failed");
    expect(git(fx.repo.dir, "log", "--format=%s", failed.result.branch)).toBe("initial commit");
  });

  it("a task whose diff holds a known secret, in any encoding, fails before anything is committed", async () => {
    const token = `ghs_${"Q".repeat(20)}LeakMe${"z".repeat(10)}`;
    const secrets = { "installation token": token };
    for (const [encoding, write] of [
      ["raw", `printf '%s' "$T" > leak.txt`],
      ["hex", `printf '%s' "$T" | od -An -tx1 | tr -d ' \\n' > leak.txt`],
      ["base64", `printf 'xx%s' "$T" | base64 -w0 > notes/leak.bin`],
    ] as const) {
      const agent = `mkdir -p notes; T='${token}'; ${write}; echo fine > ok.txt`;
      const run = await runEngine(fx, PB, { agent: "command", agentCommand: agent, secrets });
      expect([encoding, run.result.status]).toEqual([encoding, "failed"]);
      expect(run.result.tasks[0]?.error).toMatch(
        /contain a secret Maestro knows: installation token \((raw|hex|base64)\)/,
      );
      expect(run.result.tasks[0]?.error).not.toContain(token);
      expect(git(fx.repo.dir, "log", "--format=%s", run.result.branch)).toBe("initial commit");
    }
    const clean = await runEngine(fx, PB, { agent: "command", agentCommand: "echo fine > ok.txt", secrets });
    expect(clean.result.status).toBe("succeeded");
  });

  it("never runs a nested repository's fsmonitor or hooks when Maestro stages the task", async () => {
    const marker = path.join(fx.dataDir, `nested-ran-${Date.now()}`);
    const agent = [
      "mkdir -p nested && cd nested && git init -q && git -c user.name=a -c user.email=a@b commit -q --allow-empty -m x",
      `git config core.fsmonitor "touch ${marker}"`,
      `mkdir -p .git/hooks && printf '#!/bin/sh\ntouch ${marker}\n' > .git/hooks/post-index-change && chmod +x .git/hooks/post-index-change`,
      "cd .. && echo more >> README.md",
    ].join("\n");
    const run = await runEngine(fx, PB, { agent: "command", agentCommand: agent, sandbox: await setup() });
    expect(run.result.error).toBeUndefined();
    expect(run.result.tasks[0]?.status).toBeDefined();
    expect(fs.existsSync(marker)).toBe(false);
  });
});
