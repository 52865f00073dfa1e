// The `/maestro run --dry-run` reply: what would run, with which agent and limits. Nothing is queued.
import { BODY_BUDGET_BYTES, truncateText, utf8Bytes } from "../github/body-limits.js";
import { agentReportsItsCost, costUnknownMessage, priceOf } from "../agents/pricing.js";
import type { PricingTable } from "../agents/types.js";
import type { Playbook } from "../playbooks/types.js";

/** A listed task's text is cut to this many characters (the playbook has it whole). */
const TASK_TEXT_MAX = 300;
const DESCRIPTION_MAX = 500;
/** Room left under GitHub's limit for the reply's marker and for redaction. */
const REPLY_ROOM = 1_000;

export interface DryRunInput {
  playbookName: string;
  origin: "repo" | "builtin" | "issue";
  playbook: Playbook;
  agent: string;
  model?: string;
  limits: { maxCostUsd: number; taskTimeoutMinutes: number; runTimeoutMinutes: number };
  verify: string[];
  /** The repo's `pricing`: a named model without a price is said (the run would not start under its cap). */
  pricing?: PricingTable;
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

  const description = playbook.frontMatter.description
    ? ` ${truncateText(oneLine(playbook.frontMatter.description), DESCRIPTION_MAX)}`
    : "";
  let listAt = -1;
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
    listAt = out.push("") - 1;
  }
  const worstMinutes = Math.min(pending.length * limits.taskTimeoutMinutes, limits.runTimeoutMinutes);
  out.push(
    "",
    `- Agent: \`${oneLine(input.agent)}\`${input.model ? `, model \`${oneLine(input.model)}\`` : " (its default model)"}`,
    `- Cost cap: $${money(limits.maxCostUsd)} for the whole run (the run stops when it is reached)`,
    ...unpricedLine(input),
    `- Time limits: ${limits.taskTimeoutMinutes} min per task, ${limits.runTimeoutMinutes} min per run` +
      (pending.length > 0 ? ` (at most ${worstMinutes} min for these ${pending.length} tasks)` : ""),
    input.verify.length > 0
      ? `- Verify after each task: ${input.verify.map((v) => code(v)).join(", ")}`
      : "- Verify after each task: none (set `verify` in `.github/maestro.yml` or the playbook's front matter)",
    "",
    "This was a dry run: nothing was queued. Run it for real with the same command without `--dry-run`.",
  );
  if (listAt >= 0) {
    // The list gets the room the rest leaves under GitHub's limit.
    const room = BODY_BUDGET_BYTES - REPLY_ROOM - utf8Bytes(out.join("\n") + "\n");
    out[listAt] = taskList(
      pending.map((t) => t.text),
      room,
    );
  }
  return out.join("\n") + "\n";
}

/**
 * The numbered tasks, as many as fit in `maxBytes` (GitHub's comment limit); the rest are counted in a
 * last line, so a 5,000-task playbook still gets its reply.
 */
function taskList(texts: string[], maxBytes: number): string {
  const lines: string[] = [];
  let used = 0;
  for (let i = 0; i < texts.length; i++) {
    const line = `${i + 1}. ${truncateText(oneLine(texts[i]!), TASK_TEXT_MAX)}`;
    const rest = texts.length - i - 1;
    // Keep room for the line that counts what is not listed.
    const reserve = rest > 0 ? 160 : 0;
    if (used + utf8Bytes(line) + 1 + reserve > maxBytes) {
      const n = texts.length - i;
      lines.push(
        `\n… and ${n} more task${n === 1 ? "" : "s"} (${i + 1}–${texts.length}), not listed: too many for one comment. The playbook has them all.`,
      );
      break;
    }
    lines.push(line);
    used += utf8Bytes(line) + 1;
  }
  return lines.join("\n");
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

/** Claude Code prices its own sessions; for the others a named model must be in the table or `pricing`. */
function unpricedLine(input: DryRunInput): string[] {
  if (!input.model || agentReportsItsCost(input.agent)) return [];
  if (priceOf(input.model, input.pricing)) return [];
  return [
    `- ⚠️ ${costUnknownMessage(oneLine(input.model))}: until then the run would not start (a cost cap applies)`,
  ];
}

function money(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
