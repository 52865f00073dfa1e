// Writes schemas/*.json from the zod schemas. `--check` exits 1 (writing nothing) when a file is out of date.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateJsonSchemas, serializeJsonSchema } from "../src/config/json-schemas.js";

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas");
const check = process.argv.includes("--check");
fs.mkdirSync(outDir, { recursive: true });
let stale = 0;
for (const [file, schema] of Object.entries(generateJsonSchemas())) {
  const target = path.join(outDir, file);
  const text = serializeJsonSchema(schema);
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
