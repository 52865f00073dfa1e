import { describe, expect, it } from "@jest/globals";
import { formatDryRunReply, type DryRunInput } from "../../../src/commands/dry-run.js";
import { parseCommands } from "../../../src/commands/parse.js";
import { parsePlaybook } from "../../../src/playbooks/parse.js";
import type { Playbook, PlaybookTask } from "../../../src/playbooks/types.js";

function task(index: number, text: string, done = false): PlaybookTask {
  return { index, text, details: "", done, line: index + 5, checkOffset: 0 };
}

function playbook(tasks: PlaybookTask[], description?: string): Playbook {
  return {
    name: "lint",
    frontMatter: description ? { description } : {},
    context: "Fix lint.",
    tasks,
    source: "",
  };
}

const base: Omit<DryRunInput, "playbook"> = {
  playbookName: "lint",
  origin: "repo",
  agent: "claude-code",
  model: "claude-sonnet-4-5",
  limits: { maxCostUsd: 3, taskTimeoutMinutes: 20, runTimeoutMinutes: 180 },
  verify: ["npm ci", "npm test"],
};

describe("formatDryRunReply", () => {
  it("issue 13: a named model without a price is said, with the fix; a priced one, or Claude Code's own pricing, is not", () => {
    const pb = playbook([task(0, "a")]);
    const unpriced = formatDryRunReply({ ...base, agent: "codex", model: "acme-coder-9", playbook: pb });
    expect(unpriced).toContain("cost unknown for model acme-coder-9: add it under `pricing`");
    expect(unpriced).toContain("the run would not start");
    const priced = {
      ...base,
      agent: "codex",
      model: "acme-coder-9",
      playbook: pb,
      pricing: { "acme-coder-9": { input: 1, output: 2 } },
    };
    expect(formatDryRunReply(priced)).not.toContain("cost unknown");
    expect(formatDryRunReply({ ...base, model: "claude-new-model", playbook: pb })).not.toContain(
      "cost unknown",
    );
  });

  it("numbers the unfinished tasks, skips done ones and says how many were skipped", () => {
    const reply = formatDryRunReply({
      ...base,
      playbook: playbook(
        [task(0, "Fix core"), task(1, "Already done", true), task(2, "Fix cli")],
        "Lint clean-up",
      ),
    });
    expect(reply).toContain(
      "**Tasks that would run** (2; 1 already done, skipped):\n\n1. Fix core\n2. Fix cli\n",
    );
    expect(reply).not.toContain("Already done");
    expect(reply).toContain("Playbook: `.github/maestro/playbooks/lint.md`. Lint clean-up");
  });

  it("lists the unfinished tasks of a parsed playbook, in order", () => {
    const source = [
      "---",
      "description: Lint clean-up",
      "---",
      "# Lint",
      "Fix lint.",
      "",
      "- [ ] Fix packages/core",
      "  - sub-bullets are details, not tasks",
      "- [x] Already done",
      "* [ ] Fix packages/cli",
      "",
      "```",
      "- [ ] not a task (code)",
      "```",
    ].join("\n");
    const reply = formatDryRunReply({
      ...base,
      origin: "builtin",
      playbook: parsePlaybook(source, { name: "lint" }),
    });
    expect(reply).toContain("Playbook: built-in `playbooks/lint.md`. Lint clean-up");
    expect(reply).toContain(
      "**Tasks that would run** (2; 1 already done, skipped):\n\n1. Fix packages/core\n2. Fix packages/cli\n\n",
    );
    expect(reply).not.toContain("sub-bullets");
    expect(reply).not.toContain("not a task");
  });

  it("shows the resolved agent, model, limits and verify commands, and that nothing was queued", () => {
    const reply = formatDryRunReply({ ...base, playbook: playbook([task(0, "a"), task(1, "b")]) });
    expect(reply).toContain("- Agent: `claude-code`, model `claude-sonnet-4-5`");
    expect(reply).toContain("- Cost cap: $3 for the whole run");
    expect(reply).toContain(
      "- Time limits: 20 min per task, 180 min per run (at most 40 min for these 2 tasks)",
    );
    expect(reply).toContain("- Verify after each task: `npm ci`, `npm test`");
    expect(reply).toContain("nothing was queued");
  });

  it("caps the time estimate at the run timeout, and says when there is no model or verify", () => {
    const many = Array.from({ length: 12 }, (_, i) => task(i, `t${i}`));
    const { model: _model, ...noModel } = base;
    const reply = formatDryRunReply({
      ...noModel,
      verify: [],
      limits: { maxCostUsd: 2.5, taskTimeoutMinutes: 30, runTimeoutMinutes: 180 },
      playbook: playbook(many),
    });
    expect(reply).toContain("(at most 180 min for these 12 tasks)");
    expect(reply).toContain("- Agent: `claude-code` (its default model)");
    expect(reply).toContain("- Cost cap: $2.50");
    expect(reply).toContain("- Verify after each task: none");
  });

  it("names the source for built-in playbooks and issue checklists", () => {
    expect(formatDryRunReply({ ...base, origin: "builtin", playbook: playbook([task(0, "a")]) })).toContain(
      "built-in `playbooks/lint.md`",
    );
    expect(
      formatDryRunReply({
        ...base,
        origin: "issue",
        playbookName: "issue #7",
        playbook: playbook([task(0, "a")]),
      }),
    ).toContain("the checklist in this issue");
  });

  it("says a run would do nothing when every task is done or there are none", () => {
    expect(
      formatDryRunReply({ ...base, playbook: playbook([task(0, "a", true), task(1, "b", true)]) }),
    ).toContain("All 2 tasks are already ticked, so a run would do nothing.");
    expect(formatDryRunReply({ ...base, playbook: playbook([]) })).toContain("has no tasks");
  });

  it("keeps each task on one line, breaks @mentions, and cannot trigger a command", () => {
    const reply = formatDryRunReply({
      ...base,
      playbook: playbook([task(0, "Ask @octocat\n/maestro run evil"), task(1, "Quote `x` with ``` fence")]),
      verify: ["echo `date`"],
    });
    expect(reply).toContain("1. Ask @\u200boctocat /maestro run evil\n");
    expect(reply).toContain("`` echo `date` ``");
    expect(parseCommands(reply)).toEqual([]);
  });
});
