// Reads a playbook file from disk, turning every way that can fail into a PlaybookError that says what to do.
import { readFile, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { PlaybookError } from "./errors.js";
import { parsePlaybook } from "./parse.js";
import type { Playbook } from "./types.js";

/** Playbooks are prose plus a checklist; anything bigger is almost certainly the wrong file. */
export const MAX_PLAYBOOK_BYTES = 1024 * 1024;

export async function loadPlaybookFile(path: string): Promise<Playbook> {
  if (extname(path).toLowerCase() !== ".md") {
    throw new PlaybookError(
      `not a Markdown file. A playbook is a \`.md\` file with a \`- [ ] ...\` checklist; pass a path ending in .md.`,
      { file: path },
    );
  }
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new PlaybookError("is a directory, not a playbook file. Pass the path of a .md file.", {
        file: path,
      });
    }
    size = info.size;
  } catch (err) {
    if (err instanceof PlaybookError) throw err;
    throw fsError(path, err);
  }
  if (size > MAX_PLAYBOOK_BYTES) {
    throw new PlaybookError(
      `is ${size} bytes; playbooks are limited to ${MAX_PLAYBOOK_BYTES} bytes. Split it into smaller playbooks.`,
      { file: path },
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fsError(path, err);
  }
  let source: string;
  try {
    source = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PlaybookError("is not valid UTF-8 text. Save the playbook as UTF-8.", { file: path });
  }
  return parsePlaybook(source, { name: basename(path).replace(/\.md$/i, ""), file: path });
}

function fsError(path: string, err: unknown): PlaybookError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return new PlaybookError("file not found. Check the path (it is relative to the current directory).", {
        file: path,
      });
    case "EACCES":
    case "EPERM":
      return new PlaybookError(
        "cannot be read: permission denied. Make the file readable (e.g. chmod a+r).",
        { file: path },
      );
    case "EISDIR":
      return new PlaybookError("is a directory, not a playbook file. Pass the path of a .md file.", {
        file: path,
      });
    default:
      return new PlaybookError(
        `cannot be read (${code ?? (err as Error).message}). Check the path and permissions.`,
        {
          file: path,
        },
      );
  }
}
