// The `/maestro run --dry-run` reply: what would run, with which agent and limits. Nothing is queued.
import type { Playbook } from "../playbooks/types.js";

export interface DryRunInput {
  playbookName: string;
  origin: "repo" | "builtin" | "issue";
  playbook: Playbook;
  agent: string;
  model?: string;
  limits: { maxCostUsd: number; taskTimeoutMinutes: number; runTimeoutMinutes: number };
  verify: string[];
}

export function formatDryRunReply(input: DryRunInput): string {
  const { playbook, limits } = input;
  const pending = playbook.tasks.filter((t) => !t.done);
  const doneCount = playbook.tasks.length - pending.length;
  const source =
    input.origin === "issue"
      ? "the checklist in this issue"
      : input.origin === "repo"
        ? `\`.github/maestro/playbooks/${input.playbookName}.md\``
        : `built-in \`playbooks/${input.playbookName}.md\``;

  const description = playbook.frontMatter.description ? ` ${oneLine(playbook.frontMatter.description)}` : "";
  const out: string[] = [
    `### Maestro dry run: ${code(input.playbookName)}`,
    "",
    `Playbook: ${source}.${description}`,
    "",
  ];
  if (pending.length === 0) {
    out.push(
      playbook.tasks.length === 0
        ? "This playbook has no tasks (`- [ ] …` items), so a run would do nothing."
        : `All ${playbook.tasks.length} tasks are already ticked, so a run would do nothing.`,
    );
  } else {
    out.push(
      `**Tasks that would run** (${pending.length}${doneCount > 0 ? `; ${doneCount} already done, skipped` : ""}):`,
      "",
    );
    pending.forEach((t, i) => out.push(`${i + 1}. ${oneLine(t.text)}`));
  }
  const worstMinutes = Math.min(pending.length * limits.taskTimeoutMinutes, limits.runTimeoutMinutes);
  out.push(
    "",
    `- Agent: \`${oneLine(input.agent)}\`${input.model ? `, model \`${oneLine(input.model)}\`` : " (its default model)"}`,
    `- Cost cap: $${money(limits.maxCostUsd)} for the whole run (the run stops when it is reached)`,
    `- Time limits: ${limits.taskTimeoutMinutes} min per task, ${limits.runTimeoutMinutes} min per run` +
      (pending.length > 0 ? ` (at most ${worstMinutes} min for these ${pending.length} tasks)` : ""),
    input.verify.length > 0
      ? `- Verify after each task: ${input.verify.map((v) => code(v)).join(", ")}`
      : "- Verify after each task: none (set `verify` in `.github/maestro.yml` or the playbook's front matter)",
    "",
    "This was a dry run: nothing was queued. Run it for real with the same command without `--dry-run`.",
  );
  return out.join("\n") + "\n";
}

/** Task text on one line, with @mentions broken so echoing a task does not notify anyone again. */
function oneLine(s: string): string {
  return s
    .replace(/\s*[\r\n]+\s*/g, " ")
    .replace(/@(?=[A-Za-z0-9])/g, "@\u200b")
    .trim();
}

function code(s: string): string {
  const text = s.replace(/[\r\n]+/g, " ");
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function money(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
