// BENCH_SANDBOX=1: the benchmarks that run the engine put its agent sessions in the sandbox, as maestro
// serve/worker do by default (docs/benchmarks.md reports both).
import { probeSandbox } from "../../src/sandbox/probe.js";
import type { SandboxSetup } from "../../src/sandbox/run-sandbox.js";

export async function benchSandboxSetup(): Promise<SandboxSetup | undefined> {
  if (process.env.BENCH_SANDBOX !== "1") return undefined;
  const probe = await probeSandbox();
  if (!probe.ok) throw new Error(`BENCH_SANDBOX=1, but the sandbox cannot start: ${probe.problem}`);
  return {
    bwrap: probe.bwrap,
    socat: probe.socat,
    policy: { mode: "on", allowHosts: [], readPaths: [], agentPermissions: "full" },
  };
}
