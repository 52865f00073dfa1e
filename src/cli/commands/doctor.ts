// `maestro doctor`: is this machine ready to run Maestro?
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { AGENT_NAMES } from "../../agents/types.js";
import { EXIT } from "../exit-codes.js";
import { resolveSandbox, SANDBOX_OFF_WARNING } from "../../sandbox/setup.js";
import type { CliIO } from "./run.js";

const exec = promisify(execFile);
const BINARIES: Record<string, string> = {
  "claude-code": "claude",
  codex: "codex",
  opencode: "opencode",
  gemini: "gemini",
};

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  required: boolean;
}

export async function doctorCommand(io: CliIO): Promise<number> {
  const checks: Check[] = [];
  try {
    const { stdout } = await exec("git", ["--version"]);
    checks.push({ name: "git", ok: true, detail: stdout.trim(), required: true });
  } catch {
    checks.push({
      name: "git",
      ok: false,
      detail: "git not found on PATH: install git (apt-get install git)",
      required: true,
    });
  }

  checks.push(await sandboxCheck(io.env));

  const url = io.env.REDIS_URL || "redis://127.0.0.1:6379";
  // Loaded here only: ioredis is the heaviest import and only doctor/serve need it.
  const { createRedis } = await import("../../queue/connection.js");
  let redis;
  try {
    redis = createRedis(url, {
      options: {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 2000,
      },
    });
  } catch (err) {
    checks.push({ name: "redis", ok: false, detail: (err as Error).message, required: false });
  }
  if (redis) {
    redis.on("error", () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      checks.push({ name: "redis", ok: true, detail: `${redactUrl(url)} answers PING`, required: false });
    } catch (err) {
      checks.push({
        name: "redis",
        ok: false,
        detail: `${redactUrl(url)} unreachable (${err instanceof Error ? err.message : String(err)}); needed for serve/worker only`,
        required: false,
      });
    } finally {
      redis.disconnect();
    }
  }

  for (const agent of AGENT_NAMES) {
    if (agent === "command") continue;
    const override = io.env[`MAESTRO_${agent.toUpperCase().replace(/-/g, "_")}_BIN`];
    const found = override
      ? fs.existsSync(override)
        ? override
        : undefined
      : which(BINARIES[agent]!, io.env.PATH ?? "");
    checks.push({
      name: `agent ${agent}`,
      ok: Boolean(found),
      detail: found ?? `${override ?? BINARIES[agent]} not found${override ? "" : " on PATH"}`,
      required: false,
    });
  }

  const key = io.env.PRIVATE_KEY || io.env.PRIVATE_KEY_PATH;
  const creds = ["APP_ID", "WEBHOOK_SECRET"].filter((n) => !io.env[n]);
  if (!key) creds.push("PRIVATE_KEY or PRIVATE_KEY_PATH");
  checks.push({
    name: "GitHub App credentials",
    ok: creds.length === 0,
    detail: creds.length
      ? `missing ${creds.join(", ")} (needed for serve only)`
      : "APP_ID, private key and WEBHOOK_SECRET set",
    required: false,
  });

  for (const c of checks) io.stdout.write(`${c.ok ? "✓" : c.required ? "✗" : "!"} ${c.name}: ${c.detail}\n`);
  return checks.some((c) => c.required && !c.ok) ? EXIT.UNAVAILABLE : EXIT.OK;
}

/** Required unless the operator turned it off: serve and worker refuse to run agents without it. */
async function sandboxCheck(env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    const s = await resolveSandbox(env, "on");
    if (s.setup)
      return { name: "sandbox", ok: true, detail: s.notice.replace(/^sandbox: /, ""), required: true };
    if (s.problem) return { name: "sandbox", ok: false, detail: s.problem, required: true };
    return { name: "sandbox", ok: false, detail: SANDBOX_OFF_WARNING, required: false };
  } catch (err) {
    return { name: "sandbox", ok: false, detail: (err as Error).message, required: true };
  }
}

function which(bin: string, pathVar: string): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, bin);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
