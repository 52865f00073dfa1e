// One run's sandbox (DESIGN §11): every agent session and verify command of the run is wrapped in
// bubblewrap with the mount plan of mounts.ts, a private HOME and tmp that live as long as the run, the
// agent's own git dir (shadow-git.ts) and the network of network.ts. Built once per run; each wrap() is a
// fresh namespace, so nothing a session starts outlives it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bringAgentConfig } from "./agent-config.js";
import { agentEndpoints } from "./endpoints.js";
import { bwrapArgs, type MountPlan } from "./mounts.js";
import { openSandboxNetwork, type SandboxNetwork } from "./network.js";
import type { SandboxPolicy } from "./policy.js";
import { makeShadowSkeleton, objectDirsOf, writeShadowGitDir } from "./shadow-git.js";
import { findExecutable } from "../agents/bin.js";
import { commonDirOf, worktreeHead } from "../git/worktree-git.js";
import type { AgentName } from "../agents/types.js";

/** A command as spawned: what wrap() takes and gives. */
export interface SpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** What adapters and verify need of a sandbox. */
export interface CommandSandbox {
  /** The private temp dir (also TMPDIR inside): files the sandboxed command must read go here. */
  readonly tmpDir: string;
  /** Rebuilds the agent's git view at the worktree's current HEAD; call before each agent session. */
  refreshGit(): Promise<void>;
  /** `spec` run inside the sandbox. `command` is resolved on the host's PATH first. */
  wrap(spec: SpawnSpec): SpawnSpec;
  /** Connections refused since the last call (host:port), for the run log. */
  takeDenials(): string[];
}

/** A sandbox that can start here (probe.ts) and the operator's policy for it. */
export interface SandboxSetup {
  policy: SandboxPolicy;
  bwrap: string;
  socat: string;
}

export interface OpenRunSandboxOptions extends SandboxSetup {
  worktree: string;
  /** The worktree's git dir as Maestro read it before any agent ran (src/git/worktree-git.ts). */
  gitDir: string;
  agent: AgentName;
  /** The environment the agent's env is built from: its API endpoints are read from here. */
  env: NodeJS.ProcessEnv;
  /** Parent of the run's private dirs (default: the OS temp dir). */
  baseDir?: string;
}

// Starts a relay per `BIND,PORT,SOCKET` argument, waits until each listens, then runs the
// command. Fixed text: the arguments come as positional parameters, never spliced into the script.
const PRELUDE = `n4=0; n6=0
while [ "$1" != "--" ]; do
  spec=$1; shift
  bind=\${spec%%,*}; rest=\${spec#*,}; port=\${rest%%,*}; sock=\${rest#*,}
  if [ "$bind" = "::1" ]; then listen="TCP6-LISTEN:$port,bind=[::1]"; n6=$((n6+1)); else listen="TCP4-LISTEN:$port,bind=127.0.0.1"; n4=$((n4+1)); fi
  "$MAESTRO_SOCAT" "$listen,fork,reuseaddr" "UNIX-CONNECT:$sock" </dev/null >/dev/null 2>&1 &
done
shift
unset MAESTRO_SOCAT
# Until every relay listens (state 0A in /proc/net/tcp*): socat needs a few ms; at most ~2000 checks.
i=0
while [ $i -lt 2000 ]; do
  i=$((i+1))
  [ "$(grep -c ' 0A ' /proc/net/tcp)" -ge $n4 ] || continue
  [ $n6 -eq 0 ] || [ "$(grep -c ' 0A ' /proc/net/tcp6)" -ge $n6 ] || continue
  break
done
"$@"
status=$?
# The command is done: nothing it started stays (bwrap's init would end them too; this does not rely on it).
kill -KILL -1 2>/dev/null
exit $status
`;

export class RunSandbox implements CommandSandbox {
  readonly tmpDir: string;
  private readonly homeDir: string;
  /** The agent's git dir of the current session and the file mounted over the worktree's .git. */
  private gitDir: string;
  private dotGitFile: string;
  private sessions = 0;
  /** The next session's git dir, made while the current session runs. */
  private nextSkeleton: Promise<void>;
  private readonly denials = new Set<string>();
  private readonly configsBrought = new Set<string>();

  private constructor(
    private readonly opts: OpenRunSandboxOptions,
    private readonly root: string,
    private readonly net: SandboxNetwork,
    private readonly git: { realGitDir: string; commonDir: string; objectDirs: string[] },
  ) {
    this.tmpDir = path.join(root, "tmp");
    this.homeDir = path.join(root, "home");
    this.gitDir = path.join(root, "git-0");
    this.dotGitFile = path.join(root, "dotgit-0");
    this.nextSkeleton = makeShadowSkeleton(path.join(root, "git-1"));
  }

  static async open(opts: OpenRunSandboxOptions): Promise<RunSandbox> {
    const base = opts.baseDir ?? os.tmpdir();
    // socat reads its addresses' `,` `:` `!` and quotes as syntax; unix socket paths hold ≤ 107 bytes.
    if (/[,:!"'\\\s]/.test(base) || base.length > 60) {
      throw new Error(
        `The sandbox's sockets cannot live under ${JSON.stringify(base)} (no , : ! quotes or spaces, at most 60 characters): set TMPDIR to a short plain path`,
      );
    }
    const root = fs.mkdtempSync(path.join(base, "maestro-sandbox-"));
    fs.chmodSync(root, 0o700);
    for (const d of ["tmp", "home", "net"]) fs.mkdirSync(path.join(root, d));
    try {
      const git = gitDirsOf(opts.gitDir);
      const allow = [...agentEndpoints(opts.agent, opts.env), ...opts.policy.allowHosts];
      const net = await openSandboxNetwork(path.join(root, "net"), allow);
      const sandbox = new RunSandbox(opts, root, net, git);
      fs.mkdirSync(sandbox.gitDir);
      fs.writeFileSync(sandbox.dotGitFile, `gitdir: ${sandbox.gitDir}\n`);
      return sandbox;
    } catch (err) {
      fs.rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }

  async refreshGit(): Promise<void> {
    const head = fs.readFileSync(path.join(this.git.realGitDir, "HEAD"), "utf8").trim();
    const branch = head.startsWith("ref: refs/heads/") ? head.slice("ref: refs/heads/".length) : undefined;
    const headSha = await worktreeHead(this.git.realGitDir, this.opts.worktree);
    // A new directory each session: nothing the last one left there is read or written through.
    await this.nextSkeleton;
    this.sessions += 1;
    this.gitDir = path.join(this.root, `git-${this.sessions}`);
    this.dotGitFile = path.join(this.root, `dotgit-${this.sessions}`);
    this.nextSkeleton = makeShadowSkeleton(path.join(this.root, `git-${this.sessions + 1}`));
    writeShadowGitDir({
      dir: this.gitDir,
      realGitDir: this.git.realGitDir,
      commonDir: this.git.commonDir,
      objectDirs: this.git.objectDirs,
      headSha,
      ...(branch ? { branch } : {}),
    });
    fs.writeFileSync(this.dotGitFile, `gitdir: ${this.gitDir}\n`);
    // Earlier sessions' git dirs go with the run's dirs at close(): deleting them now costs the next
    // session's writes ≈ 1 ms a file (measured; deletes and creates share the filesystem's journal).
  }

  wrap(spec: SpawnSpec): SpawnSpec {
    const config = bringAgentConfig(spec.env, this.opts.env.HOME, this.homeDir, this.configsBrought);
    const command = path.isAbsolute(spec.command)
      ? spec.command
      : (findExecutable(spec.command, spec.env.PATH ?? "") ?? spec.command);
    const relays = this.net.relays.map((r) => `${r.bind},${r.port},${r.socket}`);
    return {
      command: this.opts.bwrap,
      args: [
        ...bwrapArgs(this.mountPlan(command, config.readOnly), this.opts.worktree),
        "--",
        "/bin/sh",
        "-c",
        PRELUDE,
        "maestro-sandbox",
        ...relays,
        "--",
        command,
        ...spec.args,
      ],
      env: this.insideEnv(config.env),
    };
  }

  /** Writable: the worktree, the private dirs, this session's git dir; read-only: what running needs. */
  private mountPlan(command: string, configFiles: string[]): MountPlan {
    return {
      writable: [this.opts.worktree, this.tmpDir, this.homeDir, this.gitDir],
      readOnly: [
        ...this.git.objectDirs,
        path.join(this.root, "net"),
        ...runtimePaths(command),
        ...this.opts.policy.readPaths,
        ...configFiles,
        this.opts.socat,
      ],
      fileOverlays: [{ source: this.dotGitFile, target: path.join(this.opts.worktree, ".git") }],
    };
  }

  /** The command's env with HOME, TMPDIR and the proxy pointed inside (loopback goes direct, via relays). */
  private insideEnv(env: Record<string, string>): Record<string, string> {
    const proxy = `http://127.0.0.1:${this.net.proxyPort}`;
    const noProxy = "localhost,127.0.0.1,::1";
    return {
      ...env,
      HOME: this.homeDir,
      TMPDIR: this.tmpDir,
      HTTP_PROXY: proxy,
      HTTPS_PROXY: proxy,
      http_proxy: proxy,
      https_proxy: proxy,
      ALL_PROXY: proxy,
      NO_PROXY: noProxy,
      no_proxy: noProxy,
      MAESTRO_SOCAT: this.opts.socat,
    };
  }

  takeDenials(): string[] {
    const now = this.net.denied().filter((d) => !this.denials.has(d));
    for (const d of now) this.denials.add(d);
    return now;
  }

  async close(): Promise<void> {
    await this.net.close();
    await this.nextSkeleton.catch(() => undefined);
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The common dir (the mirror) of a worktree's git dir, and the object dirs the agent may read. */
function gitDirsOf(realGitDir: string) {
  const commonDir = commonDirOf(realGitDir);
  return { realGitDir, commonDir, objectDirs: objectDirsOf(commonDir) };
}

/**
 * What the agent's program needs to run: Node's install (when outside the system dirs) and the agent's
 * own install — the node_modules it lives in, or its directory.
 */
export function runtimePaths(agentBin?: string): string[] {
  const paths = [path.dirname(path.dirname(fs.realpathSync(process.execPath)))];
  if (!agentBin || !path.isAbsolute(agentBin)) return paths;
  for (const p of [agentBin, safeRealpath(agentBin)]) {
    const i = p.indexOf("/node_modules/");
    paths.push(i >= 0 ? p.slice(0, i + "/node_modules".length) : path.dirname(p));
  }
  return paths;
}

function safeRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
