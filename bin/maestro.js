#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (`npm run build`). When the build also wrote its bundle
// (dist/bundle/: one chunk per verb, ≈ 100 ms less to start `maestro run`, docs/benchmarks.md) that is loaded,
// unless tsc wrote dist/cli/ after it (a stale bundle); else dist/cli/bin.js.
import fs from "node:fs";

const mtime = (rel) => fs.statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundled = mtime("../dist/bundle/bin.js");
const entry =
  bundled !== undefined && bundled >= (mtime("../dist/cli/bin.js") ?? 0)
    ? "../dist/bundle/bin.js"
    : "../dist/cli/bin.js";
import(entry).catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli/")) {
    console.error("maestro: dist/ is missing. Run `npm run build` first (or `npx tsx src/cli/bin.ts`).");
    process.exit(2);
  }
  throw err;
});
