// A bundle of the built CLI (dist/cli/bin.js) with esbuild, to measure what bundling would save on start-up.
// Node's ESM loader costs ≈ 0.3–0.5 ms per module (resolve, stat, read, link): `maestro run` loads ≈ 250 of
// them (zod ≈ 95, micromark and mdast ≈ 90, Maestro's own ≈ 70), ≈ 180 ms. One chunk per command instead
// (esbuild splits at each dynamic import, so `--help` still loads commander alone) loads in ≈ 75 ms.
//
// Not part of the build (yet; see docs/benchmarks.md): the benchmark builds it under node_modules/ and runs it
// beside dist/. It sits two directories below the repository like dist/<dir>/, so `new URL("../../playbooks/",
// import.meta.url)` (src/playbooks/builtin.ts) still finds the built-in playbooks. `serve` and `worker` stay
// out of it (Probot's logger resolves worker files by path): they are loaded from dist/ as they are today.
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./processes.js";

export const BUNDLE_DIR = path.join(ROOT, "node_modules/.maestro-bench-bundle");

/**
 * Bundles `root`/dist/cli/bin.js into `outDir` (rebuilt when dist/cli/bin.js is newer); returns its entry file.
 * `outDir` must be two levels below `root` (see above).
 */
export async function bundleCli(root = ROOT, outDir = BUNDLE_DIR): Promise<string> {
  const entry = path.join(root, "dist/cli/bin.js");
  const out = path.join(outDir, "bin.js");
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(entry).mtimeMs) return out;
  const esbuild = await import("esbuild");
  fs.rmSync(outDir, { recursive: true, force: true });
  const distCli = path.relative(outDir, path.join(root, "dist/cli"));
  await esbuild.build({
    entryPoints: [entry],
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error",
    // CommonJS dependencies bundled into ESM call require(): give them one.
    banner: {
      js: 'import { createRequire as __maestroRequire } from "node:module"; const require = __maestroRequire(import.meta.url);',
    },
    plugins: [
      {
        name: "serve-and-worker-from-dist",
        setup(build) {
          build.onResolve({ filter: /^\.\/(serve|worker)\.js$/ }, (args) =>
            args.importer.endsWith(path.join("dist", "cli", "main.js"))
              ? { path: `${distCli}/${args.path.slice(2)}`, external: true }
              : undefined,
          );
        },
      },
    ],
  });
  return out;
}
