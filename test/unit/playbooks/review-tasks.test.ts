import { describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import path from "node:path";
import { parsePlaybook } from "../../../src/playbooks/parse.js";
import { expandReviewTasks, REVIEW_TASKS_MARKER } from "../../../src/playbooks/review-tasks.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const builtin = fs.readFileSync(path.join(ROOT, "playbooks/address-review.md"), "utf8");

describe("review tasks", () => {
  it("the built-in address-review has the marker and a placeholder task that runs when there are no comments", () => {
    expect(builtin).toContain(REVIEW_TASKS_MARKER);
    expect(parsePlaybook(builtin, { name: "address-review" }).tasks[0]!.text).toMatch(
      /^Read every review comment/,
    );
  });

  it("replaces the placeholder with one task per comment and maps each comment to its task", () => {
    const r = expandReviewTasks(builtin, [
      { id: 1, path: "a.ts", line: 2, body: "x" },
      { id: 2, path: "b.ts", body: "y" },
    ])!;
    const tasks = parsePlaybook(r.source, { name: "address-review" }).tasks;
    expect(tasks).toHaveLength(4);
    expect(tasks.map((t) => t.text).join("\n")).not.toContain("Read every review comment");
    expect([...r.taskOf.entries()]).toEqual([
      [1, 0],
      [2, 1],
    ]);
    expect(r.source).not.toContain(REVIEW_TASKS_MARKER);
  });

  it("leaves playbooks without the marker, and reviews without comments, alone", () => {
    expect(expandReviewTasks("# P\n\n- [ ] one\n", [{ id: 1, path: "a", body: "b" }])).toBeNull();
    expect(expandReviewTasks(builtin, [])).toBeNull();
  });
});
