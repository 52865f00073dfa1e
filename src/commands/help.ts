// The `/maestro help` reply (DESIGN §4).
import { AGENT_NAMES } from "../agents/types.js";
import { MAX_COST_LIMIT_USD } from "./types.js";

export function helpText(opts: { playbooks?: string[] } = {}): string {
  const lines = [
    "### Maestro commands",
    "",
    "Write a command at the start of a line in an issue or pull request comment (quoted lines and code blocks are ignored).",
    "",
    "| command | does |",
    "| --- | --- |",
    "| `/maestro run [NAME] [--agent A] [--model M] [--max-cost USD] [--dry-run] [-- free text]` | queue a run of playbook NAME; with no NAME on an issue whose body has a checklist, runs the issue itself |",
    "| `/maestro fix TEXT` | on a Maestro pull request: a one-task run on its branch |",
    "| `/maestro retry [RUN]` | resume the latest (or the named) failed or cancelled run from its first unfinished task |",
    "| `/maestro cancel [RUN]` | cancel queued or running runs of this issue or pull request |",
    "| `/maestro status` | list the runs of this issue or pull request and their state |",
    "| `/maestro list` | list the playbooks available to this repository |",
    "| `/maestro help` | show this help |",
    "",
    "**Flags of `/maestro run`**",
    "",
    `- \`--agent A\`: the agent to use, one of ${AGENT_NAMES.map((a) => `\`${a}\``).join(", ")}`,
    "- `--model M`: the model id passed to the agent, e.g. `claude-sonnet-4-5`",
    `- \`--max-cost USD\`: cost cap for this run in US dollars (at most ${MAX_COST_LIMIT_USD}; the repo's \`limits.maxCostUsdPerRun\` still applies)`,
    "- `--dry-run`: reply with the tasks that would run and the limits, without queueing anything",
    "- `-- free text`: everything after `--` is passed to the playbook as `{{args}}`",
    "",
    "Flags also take the form `--flag=value`; quote values with spaces.",
    "",
    "**Labels**: add `maestro:NAME` to an issue to run playbook NAME; the label is removed when the run ends, so adding it again re-runs.",
    "",
    "Playbooks are looked up in `.github/maestro/playbooks/NAME.md` on the default branch, then among the built-in ones. Settings live in `.github/maestro.yml`.",
  ];
  const names = (opts.playbooks ?? []).filter((n) => typeof n === "string" && n !== "");
  if (names.length > 0) {
    lines.push(
      "",
      `**Playbooks available here**: ${[...new Set(names)]
        .sort()
        .map((n) => `\`${n}\``)
        .join(", ")}`,
    );
  }
  return lines.join("\n") + "\n";
}
