// A bench preload (e.g. no-write-spacing.ts) as plain JavaScript, for `node --import`. Preloading the
// .ts through tsx's loader would register ESM hooks, which Node 20 runs on a thread with its own V8
// isolate: +34 MB RSS in the measured process (`node -e` alone 39 MB, with tsx's loader 73 MB), which
// is why memory benchmarks must not use it.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { ROOT } from "./processes.js";

/** Transpiles `tsFile` to node_modules/.cache/maestro-bench/<name>.mjs (packages still resolve from ROOT). */
export function plainPreload(tsFile: string): string {
  const source = fs.readFileSync(path.resolve(ROOT, tsFile), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dir = path.join(ROOT, "node_modules/.cache/maestro-bench");
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${path.basename(tsFile, ".ts")}.mjs`);
  fs.writeFileSync(out, outputText);
  return out;
}
