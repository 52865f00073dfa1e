// `maestro doctor`: does this host have what a deployment needs (issue 15 §3)? One line per check (✓ fine,
// ✗ a run needs it, ! worth fixing) with the fix on the next line; exit 3 when any ✗. The checks are in
// src/cli/doctor/, one file each; docs/troubleshooting.md explains every message.
import { checkAgents } from "../doctor/agents.js";
import { isDeployment, type CheckResult, type DoctorContext } from "../doctor/check.js";
import { checkDisk } from "../doctor/disk.js";
import { checkEnvironment } from "../doctor/environment.js";
import { checkGit } from "../doctor/git.js";
import { checkGitHubApp, checkWebhookSecret } from "../doctor/github-app.js";
import { checkPublicUrl } from "../doctor/public-url.js";
import { checkRedis } from "../doctor/redis.js";
import { checkSandbox } from "../doctor/sandbox.js";
import { createRedactor, secretsFromEnv } from "../../security/redact.js";
import { EXIT } from "../exit-codes.js";
import type { CliIO } from "./run.js";

export interface DoctorOptions {
  /** One JSON document ({ ok, deployment, checks: [{ name, status, detail, fix? }] }) instead of lines. */
  json?: boolean;
}

const SYMBOL = { ok: "✓", fail: "✗", warn: "!" } as const;

/** Every check, in the order printed; slow ones (GitHub, Redis, agents' --version, the public URL) run at once. */
export async function runDoctorChecks(env: NodeJS.ProcessEnv, cwd: string): Promise<CheckResult[]> {
  const ctx: DoctorContext = { env, cwd, deployment: isDeployment(env) };
  const environment = checkEnvironment(ctx).result;
  const [git, app, redis, sandbox, agents, disk, publicUrl] = await Promise.all([
    checkGit(ctx),
    checkGitHubApp(ctx),
    checkRedis(ctx),
    checkSandbox(ctx),
    checkAgents(ctx),
    checkDisk(ctx),
    checkPublicUrl(ctx),
  ]);
  const webhook = ctx.deployment || env.WEBHOOK_SECRET?.trim() ? [checkWebhookSecret(ctx)] : [];
  return [
    environment,
    git,
    app,
    ...webhook,
    ...redis,
    sandbox,
    ...agents,
    disk,
    ...(publicUrl ? [publicUrl] : []),
  ];
}

export async function doctorCommand(io: CliIO, opts: DoctorOptions = {}): Promise<number> {
  const checks = await runDoctorChecks(io.env, io.cwd);
  // No check prints a secret; this makes sure of it (an error text quoting a URL with a password, say).
  const redact = createRedactor(secretsFromEnv(io.env));
  for (const c of checks) {
    c.detail = redact(c.detail);
    if (c.fix) c.fix = redact(c.fix);
  }
  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: failed === 0, deployment: isDeployment(io.env), checks }, null, 2)}\n`,
    );
  } else {
    for (const c of checks) {
      io.stdout.write(`${SYMBOL[c.status]} ${c.name}: ${c.detail}\n`);
      if (c.fix && c.status !== "ok") io.stdout.write(`  fix: ${c.fix}\n`);
    }
    io.stdout.write(
      failed > 0
        ? `\n${failed} problem${failed === 1 ? "" : "s"} to fix (✗)${warned ? `, ${warned} warning${warned === 1 ? "" : "s"} (!)` : ""}: runs need the ✗ fixed. docs/troubleshooting.md explains each message.\n`
        : `\nReady${warned ? `, with ${warned} warning${warned === 1 ? "" : "s"} (!)` : ""}.\n`,
    );
  }
  return failed > 0 ? EXIT.UNAVAILABLE : EXIT.OK;
}
