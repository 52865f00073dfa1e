#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (`npm run build`).
import("../dist/cli/bin.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli/")) {
    console.error("maestro: dist/ is missing. Run `npm run build` first (or `npx tsx src/cli/bin.ts`).");
    process.exit(2);
  }
  throw err;
});
