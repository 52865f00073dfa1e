import { describe, expect, it } from "@jest/globals";
import { PlaybookError } from "../../../src/playbooks/errors.js";
import { parsePlaybook } from "../../../src/playbooks/parse.js";
import { tickTask } from "../../../src/playbooks/tick.js";

const source =
  "---\r\nagent: codex\r\n---\r\n# T  \r\n\r\n- [ ] one\r\n  - [ ] nested stays\r\n*\t[ ] two\r\n- [x] three\r\n";

describe("tickTask", () => {
  it("changes only the checkbox character, keeping CRLF and spacing", () => {
    const p = parsePlaybook(source);
    const out = tickTask(source, p.tasks[1]!);
    expect(out.length).toBe(source.length);
    const diff = Array.from({ length: out.length }, (_c, i) => i).filter((i) => out[i] !== source[i]);
    expect(diff).toEqual([p.tasks[1]!.checkOffset]);
    expect(out).toBe(source.replace("*\t[ ] two", "*\t[x] two"));
    const again = parsePlaybook(out);
    expect(again.tasks.map((t) => t.done)).toEqual([false, true, true]);
    expect(again.context).toBe(p.context);
  });

  it("ticks every task in turn, leaving nested checkboxes alone", () => {
    let s = source;
    for (const t of parsePlaybook(source).tasks) s = tickTask(s, t);
    expect(s).toBe(source.replace("- [ ] one", "- [x] one").replace("*\t[ ] two", "*\t[x] two"));
    expect(s).toContain("  - [ ] nested stays");
  });

  it("is a no-op on a done task and can untick", () => {
    const p = parsePlaybook(source);
    expect(tickTask(source, p.tasks[2]!)).toBe(source);
    expect(tickTask(source, p.tasks[2]!, false)).toBe(source.replace("- [x] three", "- [ ] three"));
    const upper = "- [X] upper\n";
    expect(tickTask(upper, parsePlaybook(upper).tasks[0]!)).toBe(upper);
  });

  it("refuses a task whose position no longer holds a checkbox", () => {
    const p = parsePlaybook(source);
    const edited = "# new first line\n" + source;
    expect(() => tickTask(edited, p.tasks[0]!)).toThrow(PlaybookError);
    expect(() => tickTask(edited, p.tasks[0]!)).toThrow(/task 1 \("one"\).*parse it again/);
  });
});
