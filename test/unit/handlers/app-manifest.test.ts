// app.yml subscribes to exactly the events the app handles, with the least permissions.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { parse } from "yaml";
import { createApp } from "../../../src/index.js";
import type { AppDeps } from "../../../src/handlers/deps.js";
import { labelCommand } from "../../../src/handlers/issues-labeled.js";

const manifest = parse(readFileSync(new URL("../../../app.yml", import.meta.url), "utf8")) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};

function handledEvents(): string[] {
  const events: string[] = [];
  const fake = { on: (name: string) => events.push(name), onAny: () => undefined } as unknown as Probot;
  createApp({} as AppDeps)(fake);
  return events;
}

describe("app.yml", () => {
  it("subscribes to exactly the event families the app handles", () => {
    const families = [...new Set(handledEvents().map((e) => e.split(".")[0]))].sort();
    expect(families).toEqual(["issue_comment", "issues", "pull_request_review"]);
    expect([...manifest.default_events].sort()).toEqual(families);
  });

  it("asks for the least permissions, each documented", () => {
    expect(manifest.default_permissions).toEqual({
      issues: "write",
      pull_requests: "write",
      contents: "write",
      checks: "write",
      metadata: "read",
    });
    const text = readFileSync(new URL("../../../app.yml", import.meta.url), "utf8");
    for (const key of Object.keys(manifest.default_permissions)) {
      const line = text.split("\n").findIndex((l) => l.trim().startsWith(`${key}:`));
      expect(text.split("\n")[line - 1]?.trim().startsWith("#")).toBe(true);
    }
  });
});

describe("labelCommand", () => {
  it("maps maestro:NAME to a run of NAME and ignores other labels", () => {
    expect(labelCommand("maestro:fix-issue")).toMatchObject({
      ok: true,
      command: { verb: "run", playbook: "fix-issue", dryRun: false },
    });
    expect(labelCommand("Maestro:add-tests")).toMatchObject({ ok: true, command: { playbook: "add-tests" } });
    expect(labelCommand("bug")).toBeNull();
    expect(labelCommand(undefined)).toBeNull();
    expect(labelCommand("maestro:")).toMatchObject({ ok: false });
  });
});
