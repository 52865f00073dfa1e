// Issue 13 in the engine, with a real `command` agent on a real repo: a cost that cannot be measured is not $0
// (said in the log, and under a cap it stops the run or keeps it from starting), a silent agent is stopped as
// `stalled`, and a task that changed nothing is marked so.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { engineFixture, runEngine, type EngineFixture } from "../../helpers/engine-run.js";
import type { RunEvent } from "../../../src/runlog/events.js";

let fx: EngineFixture;
beforeEach(async () => {
  fx = await engineFixture({ "README.md": "# demo\n" });
});
afterEach(async () => {
  await fx.cleanup();
});

const usage = (fields: Record<string, unknown>) => `echo '${JSON.stringify({ type: "usage", ...fields })}'`;
const writes = (file: string) => `echo done > ${file}; echo "wrote ${file}"`;
const ofType = <T extends RunEvent["type"]>(events: RunEvent[], type: T) =>
  events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

describe("cost that cannot be measured", () => {
  it("no cap: the run goes on, the log says which model has no price, usage says priced:false", async () => {
    const agentCommand = `${usage({ inputTokens: 1000, outputTokens: 10, model: "acme-coder-9" })}; ${writes("$MAESTRO_TASK_INDEX.txt")}`;
    const { result, events } = await runEngine(fx, "- [ ] one\n- [ ] two\n", { agentCommand });
    expect(result.status).toBe("succeeded");
    expect(result.unpricedModels).toEqual(["acme-coder-9"]);
    expect(ofType(events, "agent.usage")[0]).toMatchObject({
      model: "acme-coder-9",
      priced: false,
      costUsd: 0,
    });
    const notices = ofType(events, "agent.message").filter((m) =>
      /cost unknown for model acme-coder-9/.test(m.text),
    );
    expect(notices).toHaveLength(1); // once per run, not per session
    expect(notices[0]!.text).toContain("add it under `pricing`");
    expect(ofType(events, "run.finished")[0]).toMatchObject({ unpricedModels: ["acme-coder-9"] });
  });

  it("under a cost cap: the first unpriced usage stops the agent and the run, with what to do", async () => {
    const agentCommand = `${usage({ inputTokens: 1000, outputTokens: 10, model: "acme-coder-9" })}; sleep 30; ${writes("x.txt")}`;
    const started = Date.now();
    const { result } = await runEngine(fx, "- [ ] one\n- [ ] two\n", {
      agentCommand,
      limits: { maxCostUsd: 5, taskTimeoutMs: 60_000, runTimeoutMs: 120_000 },
    });
    expect(Date.now() - started).toBeLessThan(20_000); // the agent did not get to finish its sleep
    expect(result.status).toBe("failed");
    expect(result.tasks[0]).toMatchObject({ status: "cancelled" });
    expect(result.tasks[0]!.error).toMatch(/cost unknown for model acme-coder-9.*cost cap applies/);
    expect(result.error).toMatch(/cost unknown for model acme-coder-9/);
    expect(result.tasks).toHaveLength(1);
  });

  it("under a cost cap, the same model priced under `pricing` runs and is counted", async () => {
    const agentCommand = `${usage({ inputTokens: 1_000_000, outputTokens: 0, model: "acme-coder-9" })}; ${writes("x.txt")}`;
    const { result } = await runEngine(fx, "- [ ] one\n", {
      agentCommand,
      pricing: { "acme-coder-9": { input: 2, output: 8 } },
      limits: { maxCostUsd: 5, taskTimeoutMs: 60_000, runTimeoutMs: 120_000 },
    });
    expect(result.status).toBe("succeeded");
    expect(result.costUsd).toBe(2);
    expect(result.unpricedModels).toBeUndefined();
  });

  it("under a cost cap, a model known before the start and without a price: the run does not start", async () => {
    const codexHome = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-codex-home-"));
    fs.writeFileSync(path.join(codexHome, "config.toml"), 'model = "acme-coder-9"\n');
    try {
      const { result, events } = await runEngine(fx, "- [ ] one\n", {
        agent: "codex",
        agentBin: "/nonexistent/codex-never-started",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CODEX_HOME: codexHome },
        limits: { maxCostUsd: 5, taskTimeoutMs: 60_000, runTimeoutMs: 120_000 },
      });
      expect(result.status).toBe("failed");
      expect(result.error).toMatch(/cost unknown for model acme-coder-9.*did not start/);
      expect(ofType(events, "task.started")).toEqual([]);
    } finally {
      fs.rmSync(codexHome, { recursive: true, force: true });
    }
  });
});

describe("a silent agent", () => {
  it("is stopped after the stall timeout; the task ends stalled and says what the agent last did", async () => {
    const agentCommand = `echo "running the tests now"; sleep 60`;
    const started = Date.now();
    const { result, events } = await runEngine(fx, "- [ ] one\n- [ ] two\n", {
      agentCommand,
      limits: { taskTimeoutMs: 60_000, runTimeoutMs: 120_000, stallTimeoutMs: 1500 },
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.status).toBe("failed");
    expect(result.tasks).toHaveLength(1);
    expect(result.tasks[0]).toMatchObject({ status: "stalled" });
    expect(result.tasks[0]!.error).toMatch(/stalled: no output for 1\.5 s.*running the tests now/);
    expect(ofType(events, "task.finished")[0]).toMatchObject({ status: "stalled" });
  });
});

describe("a task that changed nothing", () => {
  it("is marked in the log and the outcome: filesChanged 0, and a system message says so", async () => {
    const agentCommand = `if [ "$MAESTRO_TASK_INDEX" = 0 ]; then ${writes("a.txt")}; else echo "nothing to do"; fi`;
    const { result, events } = await runEngine(fx, "- [ ] one\n- [ ] two\n", { agentCommand });
    expect(result.status).toBe("succeeded");
    expect(result.tasks.map((t) => [t.status, t.filesChanged])).toEqual([
      ["done", 1],
      ["done", 0],
    ]);
    expect(ofType(events, "task.finished").map((e) => e.filesChanged)).toEqual([1, 0]);
    const said = ofType(events, "agent.message").filter(
      (m) => m.role === "system" && /changed no file/.test(m.text),
    );
    expect(said.map((m) => m.index)).toEqual([1]);
  });
});

describe("what a reviewer reads (issue 14 §4)", () => {
  it("task.committed carries the diffstat and task.finished the agent's closing message", async () => {
    const agentCommand = `printf 'a\\nb\\n' > new.txt; echo "# demo changed" > README.md; echo "Added new.txt and retitled the README."`;
    const { events } = await runEngine(fx, "- [ ] one\n", { agentCommand });
    const committed = ofType(events, "task.committed")[0]!;
    expect(committed.files).toEqual([
      { path: "README.md", added: 1, deleted: 1 },
      { path: "new.txt", added: 2, deleted: 0 },
    ]);
    expect(ofType(events, "task.finished")[0]).toMatchObject({
      status: "done",
      summary: "Added new.txt and retitled the README.",
    });
  });
});
