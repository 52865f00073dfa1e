// Writes schemas/*.json from the zod schemas, and the config-key reference in docs/configuration.md (between its
// <!-- generated:config-keys --> markers; scripts/config-reference.ts). `--check` exits 1 (writing nothing) when
// a file is out of date.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateJsonSchemas, serializeJsonSchema } from "../src/config/json-schemas.js";
import { withConfigKeys } from "./config-reference.js";

const rootDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(rootDir, "schemas");
const check = process.argv.includes("--check");
fs.mkdirSync(outDir, { recursive: true });
const outputs: Array<[string, () => string]> = Object.entries(generateJsonSchemas()).map(([file, schema]) => [
  path.join(outDir, file),
  () => serializeJsonSchema(schema),
]);
const configDoc = path.join(rootDir, "docs", "configuration.md");
outputs.push([configDoc, () => withConfigKeys(fs.readFileSync(configDoc, "utf8"))]);
let stale = 0;
for (const [target, render] of outputs) {
  const text = render();
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : null;
  if (current === text) continue;
  stale++;
  if (check) console.error(`${path.relative(process.cwd(), target)} is out of date: run npm run schemas`);
  else {
    fs.writeFileSync(target, text);
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
}
if (check && stale) process.exit(1);
if (!stale) console.log("schemas are up to date");
