import { describe, expect, it } from "@jest/globals";
import { AGENT_NAMES } from "../../../src/agents/types.js";
import { helpText } from "../../../src/commands/help.js";
import { parseCommands } from "../../../src/commands/parse.js";
import { VERBS } from "../../../src/commands/types.js";

describe("helpText", () => {
  const text = helpText();

  it("lists every command of DESIGN §4, every run flag, every agent and the label", () => {
    for (const verb of VERBS) expect(text).toContain(`/maestro ${verb}`);
    for (const flag of ["--agent A", "--model M", "--max-cost USD", "--dry-run", "-- free text"])
      expect(text).toContain(flag);
    for (const agent of AGENT_NAMES) expect(text).toContain(`\`${agent}\``);
    expect(text).toContain("`maestro:NAME`");
    expect(text).toContain(".github/maestro/playbooks/NAME.md");
  });

  it("holds no live command: the help reply itself cannot trigger a run", () => {
    expect(parseCommands(text)).toEqual([]);
  });

  it("lists the available playbooks, sorted and deduplicated, only when given", () => {
    expect(text).not.toContain("Playbooks available here");
    const withNames = helpText({ playbooks: ["fix-issue", "add-tests", "fix-issue"] });
    expect(withNames).toContain("**Playbooks available here**: `add-tests`, `fix-issue`");
  });
});
