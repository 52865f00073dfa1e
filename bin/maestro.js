#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (`npm run build`).
import("../dist/cli/main.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli/main.js")) {
    console.error("maestro: dist/ is missing. Run `npm run build` first (or `npx tsx src/cli/main.ts`).");
    process.exit(2);
  }
  throw err;
});
