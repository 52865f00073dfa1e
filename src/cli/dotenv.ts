// `.env` in the directory maestro was started from, for the verbs that need the app's credentials (setup,
// serve, worker, doctor): `maestro setup` writes it there, the others read it. A variable already set in the
// environment wins over .env (so a deployment's own configuration is never overridden by a stray file);
// an empty one counts as unset. Parsed by node's util.parseEnv (dotenv's syntax: comments, quotes, `export`).
import fs from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";

export interface DotEnv {
  /** The environment with .env's variables added where it had none. */
  env: NodeJS.ProcessEnv;
  /** Absolute path of the .env read, if there was one. */
  file?: string;
  /** Names taken from .env (not those the environment already set). */
  applied: string[];
}

export function loadDotEnv(cwd: string, env: NodeJS.ProcessEnv): DotEnv {
  const file = path.resolve(cwd, ".env");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { env, applied: [] };
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const out: NodeJS.ProcessEnv = { ...env };
  const applied: string[] = [];
  for (const [name, v] of Object.entries(parsed)) {
    if (out[name] !== undefined && out[name]!.trim() !== "") continue;
    out[name] = v;
    applied.push(name);
  }
  return { env: out, file, applied };
}
