#!/usr/bin/env node
// A deterministic stand-in for an AI coding agent, for demos and tests with no API keys.
// It is a `command` agent (DESIGN §8): it reads its prompt from MAESTRO_PROMPT_FILE, edits files in
// the worktree (its cwd), prints what it does, and reports usage as JSON lines.
import fs from "node:fs";

const prompt = fs.readFileSync(process.env.MAESTRO_PROMPT_FILE ?? 0, "utf8");
const delayMs = Number(process.env.MAESTRO_AGENT_DEMO_DELAY_MS ?? 0);
const say = (text) => console.log(text);
const usage = (inputTokens, outputTokens) =>
  console.log(
    JSON.stringify({
      type: "usage",
      inputTokens,
      outputTokens,
      costUsd: (inputTokens * 3 + outputTokens * 15) / 1e6,
    }),
  );

// The task is the part of the prompt that names one of these; the playbook prose mentions none of them.
const actions = [
  {
    when: /lowercase its output/i,
    run() {
      say("Reading src/slugify.js: the slug keeps capitals and leading/trailing dashes.");
      fs.writeFileSync(
        "src/slugify.js",
        [
          "// Turns a title into a URL slug: lowercase, words joined by single dashes, no dashes at the ends.",
          "export function slugify(title) {",
          "  return title",
          "    .toLowerCase()",
          '    .replace(/[^a-z0-9]+/g, "-")',
          '    .replace(/^-+|-+$/g, "");',
          "}",
          "",
        ].join("\n"),
      );
      say("Rewrote slugify to lowercase and trim dashes.");
      usage(1800, 420);
    },
  },
  {
    when: /add a unit test/i,
    run() {
      fs.mkdirSync("test", { recursive: true });
      fs.writeFileSync(
        "test/slugify.test.js",
        [
          'import { test } from "node:test";',
          'import assert from "node:assert/strict";',
          'import { slugify } from "../src/index.js";',
          "",
          'test("slugify lowercases, joins words with dashes and trims them", () => {',
          '  assert.equal(slugify("  Hello, World!  "), "hello-world");',
          '  assert.equal(slugify("Maestro for GitHub"), "maestro-for-github");',
          "});",
          "",
        ].join("\n"),
      );
      say("Added test/slugify.test.js with two cases.");
      usage(2100, 380);
    },
  },
  {
    when: /document .*slugify.* in the readme/i,
    run() {
      fs.appendFileSync(
        "README.md",
        ["", "## slugify(title)", "", "```js", 'slugify("Hello, World!") // "hello-world"', "```", ""].join(
          "\n",
        ),
      );
      say("Documented slugify in README.md.");
      usage(1500, 260);
    },
  },
];

const action = actions.find((a) => a.when.test(prompt));
setTimeout(() => {
  if (!action) {
    console.error("demo-agent: this demo agent only knows the tasks of examples/playbooks/demo.md");
    process.exit(1);
  }
  action.run();
}, delayMs);
