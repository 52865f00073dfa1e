// The `maestro` command (DESIGN §9). Each verb loads its own modules when it runs, and nothing else: `--help`
// loads commander alone, `run` the engine (no Probot, Octokit, BullMQ or ioredis), `serve` and `worker` the rest.
// Importing a command here statically would put its whole module graph on every verb's start-up (≈ 0.2 s for
// `run`'s: zod, yaml, micromark; test/unit/cli/lazy-commands.test.ts checks what `--help` and `run` load).
import { Command, CommanderError } from "commander";
import { CliError, EXIT } from "./exit-codes.js";
import type { CliIO, RunCommandOptions } from "./commands/run.js";
import type { SetupFlags } from "./commands/setup.js";

export async function main(argv: string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = new Command()
    .name("maestro")
    .description(
      "Run Markdown playbooks with an AI coding agent, one fresh session per task, one commit per task.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError("(run maestro --help for usage)");

  program
    .command("run")
    .description(
      "run a playbook in a local git repo: worktree + branch, one commit per task (no GitHub, no Redis)",
    )
    .argument("<playbook>", "path to a .md playbook, or the name of a repo or built-in playbook")
    .option("--repo <dir>", "the git repository to work on", ".")
    .option("--agent <agent>", "claude-code | codex | opencode | gemini | command")
    .option("--agent-command <cmd>", "for --agent command: the shell command to run per task")
    .option("--model <model>", "model passed to the agent")
    .option("--base <ref>", "branch or commit the run starts from (default: the current branch)")
    .option("--branch <name>", "run branch; an existing branch is continued (committed tasks are skipped)")
    .option("--format <format>", "text | jsonl (run-log events on stdout)", "text")
    .option("--dry-run", "print the tasks, agent and limits; run nothing")
    .option("--max-cost <usd>", "stop the run when its cost reaches this many USD")
    .option(
      "--stall-timeout <minutes>",
      "stop an agent silent this long (no message, tool call or usage); its task ends stalled (default: limits.stallTimeoutMinutes, 10)",
    )
    .option("--keep-worktree", "keep the worktree after the run (for inspection)")
    .option(
      "--no-sandbox",
      "run the agent and verify on the host, in the agent's edit-only mode (no bubblewrap)",
    )
    .action(async (playbook: string, flags: RunCommandOptions) => {
      const { runCommand } = await import("./commands/run.js");
      exitCode = await runCommand(playbook, flags, io);
    });

  program
    .command("validate")
    .description("check a playbook (.md) or a config file (.github/maestro.yml); errors carry line numbers")
    .argument("<file>")
    .action(async (file: string) => {
      const { validateCommand } = await import("./commands/validate.js");
      exitCode = await validateCommand(file, io);
    });

  program
    .command("logs")
    .description("render a run log (JSONL) readably: summary, tasks, cost")
    .argument("<runlog>")
    .action(async (file: string) => {
      const { logsCommand } = await import("./commands/logs.js");
      exitCode = await logsCommand(file, { ...io, color: Boolean(io.stdout.isTTY) });
    });

  program
    .command("doctor")
    .description(
      "check what a deployment needs: app credentials (GET /app), webhook secret, Redis and its eviction policy, the sandbox, agent CLIs, disk, the public URL; exit 3 on a ✗",
    )
    .option("--json", "print the checks as one JSON document")
    .action(async (flags: { json?: boolean }) => {
      const { doctorCommand } = await import("./commands/doctor.js");
      exitCode = await doctorCommand(await withDotEnv(io), { json: Boolean(flags.json) });
    });

  program
    .command("setup")
    .description(
      "register the GitHub App from app.yml in a browser (manifest flow); writes .env and the app's key here",
    )
    .option("--port <port>", "port of the local page (default: PORT or 3000; 0 picks a free one)")
    .option(
      "--webhook-url <url>",
      "where GitHub sends webhooks, e.g. a smee.io channel (default: MAESTRO_PUBLIC_URL + /api/github/webhooks)",
    )
    .option("--org <login>", "preselect an organization as the app's owner (default: your account)")
    .option("--name <name>", "the app's name on GitHub, unique there (default: app.yml's)")
    .option("--force", "replace the app credentials .env already holds (its other lines are kept)")
    .action(async (flags: SetupFlags) => {
      const { setupCommand } = await import("./commands/setup.js");
      exitCode = await setupCommand(flags, io);
    });

  program
    .command("serve")
    .description(
      "webhook server (Probot) with health, readiness and metrics routes, and a worker unless --no-worker; needs the app's credentials and Redis",
    )
    .option("--port <port>", "port to listen on (default: PORT or 3000)")
    .option(
      "--no-worker",
      "the webhook front and its pages only: runs are left to `maestro worker` processes (run logs come from Redis)",
    )
    .action(async (flags: { port?: string; worker: boolean }) => {
      exitCode = await serveCommand(await withDotEnv(io), flags.port, flags.worker);
    });

  program
    .command("worker")
    .description(
      "queue worker only: runs queued playbooks and opens draft PRs (scale out: run more against one Redis)",
    )
    .action(async () => {
      const { runWorkerCommand } = await import("./worker.js");
      exitCode = await runWorkerCommand((await withDotEnv(io)).env, {
        ...(io.signal ? { signal: io.signal } : {}),
        stderr: io.stderr,
      });
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof CliError) {
      io.stderr.write(`maestro: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(
      `maestro: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.RUN_FAILED;
  }
}

/** Process entry: signals cancel the run (the agent's process group is stopped); a second Ctrl-C exits at once. */
export async function runCli(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      `\nmaestro: ${sig}: stopping (a running agent is stopped; commits and the log are kept)…\n`,
    );
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
  process.exitCode = code;
}

async function serveCommand(io: CliIO, portFlag?: string, withWorker = true): Promise<number> {
  const port = portFlag === undefined ? undefined : Number(portFlag);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new CliError(`--port must be a port number (0-65535), got "${portFlag}".`);
  }
  // Loaded on demand: Probot and BullMQ are the heaviest imports and only serve needs them.
  const { startServer } = await import("./serve.js");
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ env: io.env, ...(port !== undefined ? { port } : {}) });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  io.stdout.write(`maestro: serving on ${server.url}${withWorker ? "" : " (no worker: --no-worker)"}\n`);
  if (!withWorker) {
    await untilStopped(io.signal);
    io.stderr.write("maestro serve: closing\n");
    await server.close();
    return EXIT.OK;
  }
  // DESIGN §9: serve = webhook server + worker in one process; both stop on the same signal.
  const { runWorkerCommand } = await import("./worker.js");
  const workerExit = await runWorkerCommand(io.env, {
    ...(io.signal ? { signal: io.signal } : {}),
    stderr: io.stderr,
    log: server.log, // one logger per process
  });
  await server.close();
  return workerExit;
}

/** io with ./.env's variables added where the environment has none (`maestro setup` writes that file). */
async function withDotEnv(io: CliIO): Promise<CliIO> {
  const { loadDotEnv } = await import("./dotenv.js");
  let loaded;
  try {
    loaded = loadDotEnv(io.cwd, io.env);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (loaded.applied.length > 0)
    io.stderr.write(`maestro: read ${loaded.file} (${loaded.applied.join(", ")})\n`);
  return { ...io, env: loaded.env };
}

/** Resolves on the signal's abort (runCli aborts it on SIGINT/SIGTERM), else on SIGTERM/SIGINT. */
function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    } else {
      process.once("SIGTERM", () => resolve());
      process.once("SIGINT", () => resolve());
    }
  });
}
