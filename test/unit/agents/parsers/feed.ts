// Feeds a fixture transcript to a stream parser, line by line, as the process runner would.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StreamParser, StreamParserResult } from "../../../../src/agents/parsers/stream-parser.js";
import type { AgentEvent } from "../../../../src/agents/types.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../../fixtures/agents");

export function fixtureLines(cli: string, name: string): string[] {
  const text = readFileSync(join(FIXTURES, cli, `${name}.jsonl`), "utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function feed(
  parser: StreamParser,
  lines: string[],
): { events: AgentEvent[]; result: StreamParserResult } {
  const events: AgentEvent[] = [];
  for (const line of lines) events.push(...parser.push(line));
  return { events, result: parser.finish() };
}

export function usageEvents(events: AgentEvent[]): Extract<AgentEvent, { kind: "usage" }>[] {
  return events.filter((e): e is Extract<AgentEvent, { kind: "usage" }> => e.kind === "usage");
}
