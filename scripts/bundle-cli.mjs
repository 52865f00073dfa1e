// `npm run build`, after tsc: the CLI bundled with esbuild into dist/bundle/, one chunk per verb (split at each
// dynamic import of src/cli/main.ts), so that `maestro run` loads a few files instead of ≈ 315 ES modules
// (≈ 180 → ≈ 75 ms of its start; docs/benchmarks.md). `serve` and `worker` stay in dist/cli/ (Probot's logger
// resolves files by path). dist/bundle/ sits two levels below the root like dist/playbooks/, so
// `new URL("../../playbooks/", import.meta.url)` (src/playbooks/builtin.ts) still finds the built-in playbooks.
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const outdir = path.join(root, "dist/bundle");
fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [path.join(root, "dist/cli/bin.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  banner: {
    js: 'import { createRequire as __maestroRequire } from "node:module"; const require = __maestroRequire(import.meta.url);',
  },
  plugins: [
    {
      name: "serve-and-worker-from-dist",
      setup(build) {
        build.onResolve({ filter: /^\.\/(serve|worker)\.js$/ }, (args) =>
          args.importer.endsWith(path.join("dist", "cli", "main.js"))
            ? { path: `../cli/${args.path.slice(2)}`, external: true }
            : undefined,
        );
      },
    },
  ],
});
