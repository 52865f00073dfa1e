// An agent's own configuration, brought into the sandbox's private HOME (DESIGN §11). The operator
// configures agents where their CLIs look (CODEX_HOME, CLAUDE_CONFIG_DIR, ~/.codex, ~/.gemini, …), but the
// operator's HOME is not in the sandbox: the small files there (settings, the agent's own credentials) are
// copied into the run's private HOME and the variables pointed at the copies. Transcripts, caches and
// anything over 1 MiB stay behind. Settings files named by a variable are mounted read-only instead.
import fs from "node:fs";
import path from "node:path";

/** Variables naming an agent's config directory: copied, and the variable pointed at the copy. */
export const CONFIG_DIR_VARS = ["CLAUDE_CONFIG_DIR", "CODEX_HOME", "OPENCODE_CONFIG_DIR"];
/** Variables naming a settings file: mounted read-only where they point. */
export const CONFIG_FILE_VARS = ["GEMINI_CLI_SYSTEM_SETTINGS_PATH", "OPENCODE_CONFIG"];
/** Where the CLIs look under HOME when no variable says otherwise. */
export const HOME_CONFIG_PATHS = [
  ".claude",
  ".claude.json",
  ".codex",
  ".gemini",
  ".config/opencode",
  ".local/share/opencode",
];

const MAX_FILE = 1024 * 1024;

function copySmall(from: string, to: string): void {
  const st = fs.statSync(from);
  if (!st.isFile() || st.size > MAX_FILE) return;
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
  // Never through a link a sandboxed process may have planted at the destination.
  fs.rmSync(to, { force: true });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, 0o600);
}

/**
 * Brings the agent configuration `env` names into `home` (once per run); returns the env to use inside and
 * the files to mount read-only.
 */
export function bringAgentConfig(
  env: Record<string, string>,
  operatorHome: string | undefined,
  home: string,
  done: Set<string>,
): { env: Record<string, string>; readOnly: string[] } {
  const out = { ...env };
  if (operatorHome && !done.has("~")) {
    done.add("~");
    for (const rel of HOME_CONFIG_PATHS) copyTopLevel(path.join(operatorHome, rel), path.join(home, rel));
  }
  for (const v of CONFIG_DIR_VARS) {
    const dir = env[v];
    if (!dir) continue;
    const copy = path.join(home, ".maestro-config", v.toLowerCase());
    if (!done.has(v)) {
      done.add(v);
      copyTopLevel(dir, copy);
      fs.mkdirSync(copy, { recursive: true, mode: 0o700 });
    }
    out[v] = copy;
  }
  const readOnly = CONFIG_FILE_VARS.map((v) => env[v]).filter((f): f is string =>
    Boolean(f && path.isAbsolute(f)),
  );
  return { env: out, readOnly };
}

/** A file, or a directory's top-level files only (subdirectories hold transcripts and caches). */
function copyTopLevel(from: string, to: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(from);
  } catch {
    return;
  }
  if (!st.isDirectory()) {
    copySmall(from, to);
    return;
  }
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isFile()) copySmall(path.join(from, entry.name), path.join(to, entry.name));
  }
}
