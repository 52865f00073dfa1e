#!/usr/bin/env node
// Installs the agent CLIs the image should carry, at the exact versions package-lock.json pins for the
// project's own tests (the devDependencies @anthropic-ai/claude-code, @openai/codex, @google/gemini-cli,
// opencode-ai), so the image runs the CLI versions the test suite ran against.
//
//   node docker/install-agents.mjs [--prefix DIR] [--print] AGENTS
//
// AGENTS: comma-separated agent names (claude-code, codex, gemini, opencode); "none" or "" installs nothing.
// --print: print the npm specs, one a line, and install nothing. Used by the Dockerfile (ARG AGENTS).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Agent name (as in .github/maestro.yml) → npm package of its CLI. */
const PACKAGES = {
  "claude-code": "@anthropic-ai/claude-code",
  codex: "@openai/codex",
  gemini: "@google/gemini-cli",
  opencode: "opencode-ai",
};

function fail(message) {
  console.error(`install-agents: ${message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
let prefix;
let print = false;
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--print") print = true;
  else if (args[i] === "--prefix") prefix = args[++i];
  else rest.push(args[i]);
}
const list = (rest.join(",") || process.env.AGENTS || "")
  .split(",")
  .map((s) => s.trim().toLowerCase())
  .filter((s) => s !== "" && s !== "none");

const lockPath = path.resolve("package-lock.json");
if (!fs.existsSync(lockPath)) fail(`${lockPath} not found: run from the project's root`);
const lock = JSON.parse(fs.readFileSync(lockPath, "utf8"));

const specs = [];
for (const agent of new Set(list)) {
  const pkg = PACKAGES[agent];
  if (!pkg) {
    fail(
      `unknown agent ${JSON.stringify(agent)} in AGENTS; known: ${Object.keys(PACKAGES).join(", ")} ` +
        `(the command agent needs no install)`,
    );
  }
  const version = lock.packages?.[`node_modules/${pkg}`]?.version;
  if (!version) fail(`${pkg} is not in package-lock.json: add it to devDependencies first`);
  specs.push(`${pkg}@${version}`);
}

if (print) {
  for (const s of specs) console.log(s);
  process.exit(0);
}
if (prefix) fs.mkdirSync(prefix, { recursive: true });
if (specs.length === 0) {
  console.log("install-agents: no agent CLI installed (AGENTS is empty)");
  process.exit(0);
}
console.log(`install-agents: ${specs.join(" ")}${prefix ? ` into ${prefix}` : ""}`);
execFileSync(
  "npm",
  ["install", "--global", "--no-audit", "--no-fund", ...(prefix ? ["--prefix", prefix] : []), ...specs],
  { stdio: "inherit" },
);
