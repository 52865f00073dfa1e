// The canonical text of a command, for replies that tell the user what to type (e.g. "retry with …").
import type { MaestroCommand } from "./types.js";

export function formatCommand(cmd: MaestroCommand): string {
  switch (cmd.verb) {
    case "run": {
      const parts = ["/maestro run"];
      if (cmd.playbook) parts.push(cmd.playbook);
      if (cmd.agent) parts.push(`--agent ${cmd.agent}`);
      if (cmd.model) parts.push(`--model ${cmd.model}`);
      if (cmd.maxCostUsd !== undefined) parts.push(`--max-cost ${cmd.maxCostUsd}`);
      if (cmd.dryRun) parts.push("--dry-run");
      if (cmd.args) parts.push(`-- ${cmd.args}`);
      return parts.join(" ");
    }
    case "fix":
      return `/maestro fix ${cmd.text}`;
    case "retry":
    case "cancel":
      return cmd.runId ? `/maestro ${cmd.verb} ${cmd.runId}` : `/maestro ${cmd.verb}`;
    default:
      return `/maestro ${cmd.verb}`;
  }
}
