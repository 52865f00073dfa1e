// `maestro run PLAYBOOK`: a local run in any git repo, no GitHub, no Redis (DESIGN §9).
import fs from "node:fs";
import path from "node:path";
import { AGENT_NAMES, type AgentName } from "../../agents/types.js";
import { agentReportsItsCost, costUnknownMessage, priceOf } from "../../agents/pricing.js";
import { getAgentAdapter } from "../../agents/registry.js";
import { parseAgentEnvList } from "../../security/child-env.js";
import { defaultRepoConfig, type RepoConfig } from "../../config/repo-config.js";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../../config/load-repo-config.js";
import { runBranchName } from "../../engine/branch-name.js";
import { newRunId } from "../../engine/run-id.js";
import { runPlaybook } from "../../engine/run-playbook.js";
import { GitError } from "../../git/errors.js";
import { runGit } from "../../git/run-git.js";
import { branchExists, currentBranch, resolveRef } from "../../git/refs.js";
import { loadPlaybookFile } from "../../playbooks/load.js";
import { assertRunnable, parsePlaybook } from "../../playbooks/parse.js";
import { repoPlaybookPath, resolvePlaybook } from "../../playbooks/resolve.js";
import { PlaybookError } from "../../playbooks/errors.js";
import type { Playbook } from "../../playbooks/types.js";
import { resolveDataDir, runLogPath } from "../../runlog/paths.js";
import { RunLogWriter } from "../../runlog/writer.js";
import { createRedactor, namedSecretsFromEnv, secretsFromEnv } from "../../security/redact.js";
import { resolveSandbox } from "../../sandbox/setup.js";
import { SandboxConfigError } from "../../sandbox/policy.js";
import { CliError, EXIT } from "../exit-codes.js";
import { createRunOutput } from "../output.js";

export interface RunCommandOptions {
  repo?: string;
  agent?: string;
  agentCommand?: string;
  model?: string;
  base?: string;
  branch?: string;
  format?: string;
  dryRun?: boolean;
  maxCost?: string;
  /** Minutes without agent output before the session is stopped (default: limits.stallTimeoutMinutes). */
  stallTimeout?: string;
  keepWorktree?: boolean;
  /** false: --no-sandbox. */
  sandbox?: boolean;
}

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Cancels the run (SIGINT/SIGTERM in the real CLI). */
  signal?: AbortSignal;
}

const DEFAULT_AUTHOR = { name: "Maestro", email: "maestro@users.noreply.github.com" };

export async function runCommand(playbookArg: string, flags: RunCommandOptions, io: CliIO): Promise<number> {
  const format = flags.format ?? "text";
  if (format !== "text" && format !== "jsonl") {
    throw new CliError(`--format must be "text" or "jsonl", got "${format}".`);
  }
  const agentFlag = parseAgent(flags.agent);
  const badAgentEnv = parseAgentEnvList(io.env.MAESTRO_AGENT_ENV).problems;
  if (badAgentEnv.length > 0) throw new CliError(`MAESTRO_AGENT_ENV holds ${badAgentEnv.join("; ")}`);
  const maxCostFlag = parseMaxCost(flags.maxCost);
  const stallFlag = parseMinutes("--stall-timeout", flags.stallTimeout);

  // The sandbox probe (two bwrap processes) needs nothing of the repo: it runs while git answers below.
  const sandboxProbe = resolveSandbox(io.env, "auto", flags.sandbox === false);
  sandboxProbe.catch(() => undefined); // awaited below; an early usage error must not leave it unhandled
  const repoDir = await findRepoRoot(path.resolve(io.cwd, flags.repo ?? "."));
  const config = loadLocalRepoConfig(repoDir);
  const playbook = await loadPlaybook(playbookArg, repoDir, io.cwd);
  assertRunnable(playbook);

  const fm = playbook.frontMatter;
  const agent: AgentName = agentFlag ?? fm.agent ?? config.agent;
  const agentCommand = flags.agentCommand ?? (config.agentCommand || undefined);
  if (agent === "command" && !agentCommand) {
    throw new CliError(
      'The "command" agent needs a command: pass --agent-command "CMD" or set agentCommand in .github/maestro.yml.',
    );
  }
  const model = flags.model ?? fm.model ?? (config.model || undefined);
  const verify = fm.verify ?? config.verify;
  const maxCostUsd = maxCostFlag ?? fm.maxCostUsd ?? config.limits.maxCostUsdPerRun;
  const taskTimeoutMinutes = fm.taskTimeoutMinutes ?? config.limits.taskTimeoutMinutes;
  const runTimeoutMinutes = config.limits.runTimeoutMinutes;
  const stallTimeoutMinutes = stallFlag ?? config.limits.stallTimeoutMinutes;
  const pending = playbook.tasks.filter((t) => !t.done);
  const sandbox = await sandboxProbe.catch((err: unknown) => {
    if (err instanceof SandboxConfigError) throw new CliError(err.message);
    throw err;
  });
  if (sandbox.problem) {
    throw new CliError(
      `MAESTRO_SANDBOX=on, but the sandbox cannot start: ${sandbox.problem}. Or run without it: --no-sandbox.`,
      EXIT.UNAVAILABLE,
    );
  }

  if (flags.dryRun) {
    const lines = [
      `playbook ${playbook.name}: ${pending.length} task(s) to run, ${playbook.tasks.length - pending.length} already ticked`,
      ...pending.map((t, i) => `  ${i + 1}. ${oneLine(t.text)}`),
      `agent: ${agent}${agent === "command" ? ` (${agentCommand})` : ""}${model ? `, model: ${model}` : ""}`,
      `limits: max cost $${maxCostUsd}, task timeout ${taskTimeoutMinutes} min, run timeout ${runTimeoutMinutes} min, stall timeout ${stallTimeoutMinutes} min`,
      costLine(agent, model, io.env, config.pricing),
      `verify: ${verify.length ? verify.join(" && ") : "(none)"}`,
      sandbox.notice,
      "dry run: nothing was run.",
    ];
    io.stdout.write(lines.join("\n") + "\n");
    return EXIT.OK;
  }

  // Independent git questions, asked at once.
  const identity = localGitIdentity(repoDir);
  const continuingP =
    flags.branch !== undefined ? branchExists(repoDir, flags.branch) : Promise.resolve(false);
  continuingP.catch(() => undefined);
  const baseRef = flags.base ?? (await currentBranch(repoDir)) ?? "HEAD";
  await resolveRef(repoDir, baseRef).catch(() => {
    throw new CliError(`--base ${baseRef}: no such branch or commit in ${repoDir}.`);
  });
  const runId = newRunId();
  const branch =
    flags.branch ?? runBranchName({ prefix: config.branchPrefix, playbook: playbook.name, runId });
  const continuing = await continuingP;

  const dataDirAbs = resolveDataDir(io.env, io.cwd);
  excludeFromRepo(repoDir, dataDirAbs);
  const logPath = runLogPath(dataDirAbs, runId);

  const output = createRunOutput({
    format,
    stdout: io.stdout,
    stderr: io.stderr,
    tasksTotal: pending.length,
  });
  const log = RunLogWriter.open({
    path: logPath,
    runId,
    redact: createRedactor(secretsFromEnv(io.env)),
    onEvent: (e) => output.event(e),
  });

  io.stderr.write(`${sandbox.notice}\n`);
  const coAuthor = await identity;
  const result = await runPlaybook({
    runId,
    repoDir,
    worktreesDir: path.join(dataDirAbs, "worktrees"),
    playbook,
    baseRef,
    branch,
    agent,
    ...(agentCommand ? { agentCommand } : {}),
    ...(model ? { model } : {}),
    verify,
    limits: {
      maxCostUsd,
      taskTimeoutMs: minutes(taskTimeoutMinutes),
      runTimeoutMs: minutes(runTimeoutMinutes),
      stallTimeoutMs: minutes(stallTimeoutMinutes),
    },
    onTaskFailure: fm.onTaskFailure ?? "stop",
    protectedPaths: config.protectedPaths,
    pricing: config.pricing,
    trigger: { kind: "cli", actor: coAuthor?.name ?? io.env.USER ?? "local" },
    repoLabel: repoDir,
    author: {
      name: io.env.MAESTRO_GIT_AUTHOR_NAME || DEFAULT_AUTHOR.name,
      email: io.env.MAESTRO_GIT_AUTHOR_EMAIL || DEFAULT_AUTHOR.email,
    },
    ...(coAuthor ? { coAuthors: [coAuthor] } : {}),
    env: io.env,
    ...(io.signal ? { signal: io.signal } : {}),
    log,
    keepWorktree: flags.keepWorktree ?? false,
    ...(sandbox.setup ? { sandbox: sandbox.setup } : {}),
    secrets: namedSecretsFromEnv(io.env),
    ...agentBinOverride(agent, io.env),
  });
  log.close();
  output.finish(result, { logPath, continuing, playbookArg, repoDir });
  return result.status === "succeeded" ? EXIT.OK : EXIT.RUN_FAILED;
}

function parseAgent(value: string | undefined): AgentName | undefined {
  if (value === undefined) return undefined;
  if ((AGENT_NAMES as readonly string[]).includes(value)) return value as AgentName;
  throw new CliError(`--agent must be one of ${AGENT_NAMES.join(", ")}; got "${value}".`);
}

function parseMinutes(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`${flag} must be a positive number of minutes, e.g. 5 or 0.5; got "${value}".`);
  return n;
}

/** How the dry run's sessions will be priced: by the CLI, by the table, or not at all (then the run stops). */
function costLine(
  agent: AgentName,
  model: string | undefined,
  env: NodeJS.ProcessEnv,
  pricing: RepoConfig["pricing"],
): string {
  if (agentReportsItsCost(agent)) return `cost: reported by ${agent} itself`;
  const expected = getAgentAdapter(agent).expectedModel?.({ ...(model ? { model } : {}), baseEnv: env });
  if (!expected) {
    return "cost: priced by the model the agent reports; if it has no price, the run stops (a cost cap applies)";
  }
  const price = priceOf(expected, pricing);
  return price
    ? `cost: ${expected} priced as ${price.key} ($${price.price.input}/$${price.price.output} per million input/output tokens)`
    : `${costUnknownMessage(expected)}; the run will not start while a cost cap applies`;
}

function parseMaxCost(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`--max-cost must be a positive number of USD, e.g. 2.5; got "${value}".`);
  return n;
}

async function findRepoRoot(dir: string): Promise<string> {
  if (!fs.existsSync(dir)) throw new CliError(`--repo ${dir}: no such directory.`);
  try {
    // One process: the top level, then HEAD's commit (git prints the first and fails when there is no commit yet).
    const { stdout } = await runGit(["rev-parse", "--show-toplevel", "--verify", "HEAD^{commit}"], {
      cwd: dir,
    });
    return stdout.split("\n")[0]!.trim();
  } catch (err) {
    if (err instanceof GitError && err.kind === "bad_ref") {
      const root = (
        await runGit(["rev-parse", "--show-toplevel"], { cwd: dir }).catch(() => null)
      )?.stdout.trim();
      throw new CliError(`${root || dir} has no commits yet: make a first commit, then run again.`);
    }
    throw new CliError(
      `${dir} is not inside a git repository: run maestro in a git checkout or pass --repo DIR.`,
    );
  }
}

function loadLocalRepoConfig(repoDir: string): RepoConfig {
  const file = path.join(repoDir, REPO_CONFIG_PATH);
  if (!fs.existsSync(file)) return defaultRepoConfig();
  const parsed = parseRepoConfig(fs.readFileSync(file, "utf8"), { file: REPO_CONFIG_PATH });
  if (!parsed.ok) throw new CliError(parsed.error);
  return parsed.config;
}

/** A path to a .md file, or a playbook name: the repo's .github/maestro/playbooks/<name>.md, then built-in. */
async function loadPlaybook(arg: string, repoDir: string, cwd: string): Promise<Playbook> {
  try {
    const asPath = path.resolve(cwd, arg);
    if (arg.endsWith(".md") || arg.includes("/") || arg.includes(path.sep))
      return await loadPlaybookFile(asPath);
    const resolved = await resolvePlaybook(arg, {
      readRepoPlaybook: async (p) => {
        const f = path.join(repoDir, p);
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : null;
      },
      listRepoPlaybooks: async () => {
        const dir = path.join(repoDir, path.dirname(repoPlaybookPath("x")));
        return fs.existsSync(dir)
          ? fs
              .readdirSync(dir)
              .filter((f) => f.endsWith(".md"))
              .map((f) => f.slice(0, -3))
          : [];
      },
    });
    if (!resolved.ok) throw new CliError(`${resolved.error}`);
    return parsePlaybook(resolved.source, { name: resolved.name, file: resolved.path });
  } catch (err) {
    if (err instanceof PlaybookError) throw new CliError(err.message);
    throw err;
  }
}

/** Keep the data dir (worktrees, logs) out of `git status` when it lies inside the checkout. */
function excludeFromRepo(repoDir: string, dataDir: string): void {
  const rel = path.relative(repoDir, dataDir);
  if (rel.startsWith("..") || path.isAbsolute(rel) || rel === "") return;
  const gitDir = path.join(repoDir, ".git");
  if (!fs.existsSync(gitDir) || !fs.statSync(gitDir).isDirectory()) return;
  const exclude = path.join(gitDir, "info", "exclude");
  const line = `/${rel.split(path.sep).join("/")}/`;
  const current = fs.existsSync(exclude) ? fs.readFileSync(exclude, "utf8") : "";
  if (current.split("\n").includes(line)) return;
  fs.mkdirSync(path.dirname(exclude), { recursive: true });
  fs.appendFileSync(exclude, `${current && !current.endsWith("\n") ? "\n" : ""}${line}\n`);
}

async function localGitIdentity(repoDir: string): Promise<{ name: string; email: string } | undefined> {
  try {
    const [name, email] = (
      await Promise.all([
        runGit(["config", "user.name"], { cwd: repoDir }),
        runGit(["config", "user.email"], { cwd: repoDir }),
      ])
    ).map((r) => r.stdout.trim());
    return name && email ? { name, email } : undefined;
  } catch {
    return undefined;
  }
}

function agentBinOverride(agent: AgentName, env: NodeJS.ProcessEnv): { agentBin?: string } {
  const name = `MAESTRO_${agent.toUpperCase().replace(/-/g, "_")}_BIN`;
  const bin = env[name];
  return bin ? { agentBin: bin } : {};
}

function minutes(m: number): number {
  return Math.round(m * 60_000);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
