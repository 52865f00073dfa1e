// The one error type of the playbook module: says what was wrong, where (file:line) and how to fix it.

export interface PlaybookErrorOptions {
  /** Path or name of the playbook file, shown before the line number. */
  file?: string;
  /** 1-based line in the file. */
  line?: number;
}

export class PlaybookError extends Error {
  override name = "PlaybookError";
  readonly file?: string;
  readonly line?: number;
  /** The message without the `file:line: ` prefix. */
  readonly reason: string;

  constructor(reason: string, opts: PlaybookErrorOptions = {}) {
    super(formatLocation(opts) + reason);
    this.reason = reason;
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.line !== undefined) this.line = opts.line;
  }
}

function formatLocation({ file, line }: PlaybookErrorOptions): string {
  if (file === undefined && line === undefined) return "";
  const where = file ?? "playbook";
  return line === undefined ? `${where}: ` : `${where}:${line}: `;
}
