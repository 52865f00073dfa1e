// `maestro validate PLAYBOOK|CONFIG`: check a playbook or .github/maestro.yml, errors with line numbers.
import fs from "node:fs";
import path from "node:path";
import { parseRepoConfig } from "../../config/load-repo-config.js";
import { PlaybookError } from "../../playbooks/errors.js";
import { assertRunnable, parsePlaybook } from "../../playbooks/parse.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { CliIO } from "./run.js";

export async function validateCommand(file: string, io: CliIO): Promise<number> {
  const full = path.resolve(io.cwd, file);
  if (!fs.existsSync(full) || !fs.statSync(full).isFile()) {
    throw new CliError(
      `${file}: no such file. Pass a playbook (.md) or a config file (.github/maestro.yml).`,
    );
  }
  const text = fs.readFileSync(full, "utf8");
  if (/\.ya?ml$/i.test(full)) {
    const parsed = parseRepoConfig(text, { file });
    if (!parsed.ok) {
      io.stderr.write(parsed.error + "\n");
      return EXIT.USAGE;
    }
    io.stdout.write(
      `${file}: valid config (agent ${parsed.config.agent}, permission ${parsed.config.permissions.minimum}+)\n`,
    );
    return EXIT.OK;
  }
  try {
    const playbook = parsePlaybook(text, { name: path.basename(full, ".md"), file });
    assertRunnable(playbook);
    const open = playbook.tasks.filter((t) => !t.done).length;
    io.stdout.write(`${file}: valid playbook, ${playbook.tasks.length} task(s), ${open} to run\n`);
    return EXIT.OK;
  } catch (err) {
    if (err instanceof PlaybookError) {
      io.stderr.write(err.message + "\n");
      return EXIT.USAGE;
    }
    throw err;
  }
}
