// Markdown playbook -> Playbook (DESIGN §3), with a real CommonMark/GFM parser (no regexes for structure).
//
// Decisions:
// - Tasks are the GFM task items of *bullet* lists (`-`, `*`, `+`) that are direct children of the
//   document. Ordered lists (`1. [ ] ...`) are prose: DESIGN names `- [ ]`/`* [ ]`, and numbered
//   steps are often a how-to inside the context rather than work items. assertRunnable's hint says so.
// - text/details/context are returned with LF line endings; `source` and offsets are untouched, so
//   CRLF files tick in place.
import { basename } from "node:path";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmTaskListItemFromMarkdown } from "mdast-util-gfm-task-list-item";
import { gfmTaskListItem } from "micromark-extension-gfm-task-list-item";
import { PlaybookError } from "./errors.js";
import { readFrontMatter, skipFrontMatter } from "./front-matter.js";
import type { Playbook, PlaybookTask } from "./types.js";

type Root = ReturnType<typeof fromMarkdown>;
type Node = Root["children"][number];

export interface ParseOptions {
  /** Playbook name; defaults to the file's basename without `.md`. */
  name?: string;
  /** File path or name, for error messages. */
  file?: string;
  /**
   * The text comes from outside the maintainers (an issue body): no setting is read from it. Its front matter,
   * if any, is set aside unread (`ignoredFrontMatter`), and the playbook is marked `untrusted`.
   */
  untrusted?: boolean;
}

export function parsePlaybook(source: string, opts: ParseOptions = {}): Playbook {
  const file = opts.file ?? (opts.name !== undefined ? `${opts.name}.md` : undefined);
  const name =
    opts.name ?? (opts.file !== undefined ? basename(opts.file).replace(/\.md$/i, "") : "playbook");
  const { frontMatter, bodyOffset, bodyLineOffset } = opts.untrusted
    ? skipFrontMatter(source)
    : readFrontMatter(source, file);
  const body = source.slice(bodyOffset);
  const tree = parseMarkdown(body, file);

  const tasks: PlaybookTask[] = [];
  const removed: Array<[number, number]> = [];
  for (const node of tree.children) {
    if (node.type !== "list" || node.ordered === true) continue;
    for (const item of node.children) {
      if (typeof item.checked !== "boolean") continue;
      const task = readTask(body, item, tasks.length);
      if (task === undefined) continue;
      tasks.push({
        ...task,
        line: task.line + bodyLineOffset,
        checkOffset: task.checkOffset + bodyOffset,
      });
      const { start, end } = offsets(item);
      removed.push([lineStart(body, start), afterLineEnd(body, end)]);
    }
  }

  const playbook: Playbook = { name, frontMatter, context: buildContext(body, removed), tasks, source };
  if (opts.file !== undefined) playbook.file = opts.file;
  if (opts.untrusted) {
    playbook.untrusted = true;
    if (bodyOffset > (source.startsWith("\uFEFF") ? 1 : 0)) playbook.ignoredFrontMatter = true;
  }
  return playbook;
}

/** Throws when a playbook has nothing to run: zero tasks, done or not. */
export function assertRunnable(p: Playbook): void {
  if (p.tasks.length > 0) return;
  const numbered = /^ {0,3}\d{1,9}[.)][ \t]+\[[ xX]\][ \t]/m.test(p.context);
  const hint = numbered
    ? " Numbered items like `1. [ ] ...` are not tasks: use `- [ ] ...` bullets."
    : " Tasks must be top-level (not indented, not inside a quote or code block).";
  throw new PlaybookError(
    `the playbook has no tasks. Add checklist items at the top level, one per line, like:\n\n- [ ] Fix the failing test in src/parser.ts\n- [ ] Update the changelog\n\n${hint.trim()}`,
    { file: p.file ?? `${p.name}.md` },
  );
}

function parseMarkdown(body: string, file: string | undefined): Root {
  try {
    return fromMarkdown(body, {
      extensions: [gfmTaskListItem()],
      mdastExtensions: [gfmTaskListItemFromMarkdown()],
    });
  } catch (err) {
    // micromark accepts any string; this guards against a parser bug turning into a crash.
    throw new PlaybookError(
      `could not parse the Markdown (${(err as Error).message}). Check the file is plain Markdown.`,
      {
        file,
      },
    );
  }
}

function offsets(node: { position?: { start: { offset?: number }; end: { offset?: number } } }): {
  start: number;
  end: number;
} {
  return { start: node.position?.start.offset ?? 0, end: node.position?.end.offset ?? 0 };
}

type ListItem = Extract<Node, { type: "list" }>["children"][number];

function readTask(body: string, item: ListItem, index: number): PlaybookTask | undefined {
  const { start, end } = offsets(item);
  const bracket = findCheckbox(body, start);
  const first = item.children[0];
  if (bracket === undefined || first === undefined) return undefined;

  const text = normalizeParagraph(body.slice(bracket + 3, offsets(first).end));
  let details = "";
  const second = item.children[1];
  if (second !== undefined) {
    const markerLine = lineStart(body, start);
    const indent = contentIndent(body, markerLine, start, bracket);
    details = dedent(toLf(body.slice(lineStart(body, offsets(second).start), end)), indent).replace(
      /\s+$/,
      "",
    );
  }
  return {
    index,
    text,
    details,
    done: item.checked === true,
    line: item.position?.start.line ?? 1,
    checkOffset: bracket + 1,
  };
}

/** Offset of `[` of the item's checkbox: after the bullet marker and whitespace (line breaks included). */
function findCheckbox(body: string, itemStart: number): number | undefined {
  let i = itemStart;
  while (body[i] === " " || body[i] === "\t") i++;
  if (body[i] !== "-" && body[i] !== "*" && body[i] !== "+") return undefined;
  i++;
  while (i < body.length && /[ \t\r\n]/.test(body[i] ?? "")) i++;
  return body[i] === "[" && body[i + 2] === "]" ? i : undefined;
}

/** Column where the item's content starts (the checkbox's column, or marker + 2 if it is on a later line). */
function contentIndent(body: string, markerLineStart: number, itemStart: number, bracket: number): number {
  const sameLine = !body.slice(itemStart, bracket).includes("\n");
  if (sameLine) return columnOf(body.slice(markerLineStart, bracket));
  let i = itemStart;
  while (body[i] === " " || body[i] === "\t") i++;
  return columnOf(body.slice(markerLineStart, i + 1)) + 1;
}

function columnOf(prefix: string): number {
  let col = 0;
  for (const ch of prefix) col = ch === "\t" ? col + 4 - (col % 4) : col + 1;
  return col;
}

/** Removes up to `cols` columns of leading spaces/tabs from every line (tabs stop every 4 columns). */
export function dedent(text: string, cols: number): string {
  return text
    .split("\n")
    .map((line) => {
      let col = 0;
      let i = 0;
      while (i < line.length && col < cols && (line[i] === " " || line[i] === "\t")) {
        col = line[i] === "\t" ? col + 4 - (col % 4) : col + 1;
        i++;
      }
      // A tab that overshoots keeps its remainder as spaces.
      return " ".repeat(Math.max(0, col - cols)) + line.slice(i);
    })
    .join("\n");
}

/** The task's paragraph as written: leading whitespace of each line dropped (insignificant in a paragraph). */
function normalizeParagraph(raw: string): string {
  return toLf(raw)
    .replace(/^[ \t\n]+/, "")
    .split("\n")
    .map((l) => l.replace(/^[ \t]+/, ""))
    .join("\n")
    .replace(/[ \t\n]+$/, "");
}

function buildContext(body: string, removed: Array<[number, number]>): string {
  const pieces: string[] = [];
  let pos = 0;
  for (const [from, to] of removed) {
    pieces.push(body.slice(pos, from));
    pos = to;
  }
  pieces.push(body.slice(pos));
  // Where an item was cut out, the blank lines on both sides of the cut shrink to at most one.
  let out = "";
  for (const raw of pieces) {
    const piece = toLf(raw);
    const head = piece.replace(/^(?:[ \t]*\n)+/, "");
    const tail = out.replace(/\n(?:[ \t]*\n)+$/, "\n");
    const blank = head.length !== piece.length || tail.length !== out.length;
    out = tail === "" ? head : tail + (blank ? "\n" : "") + head;
  }
  return out.replace(/^(?:[ \t]*\n)+/, "").trimEnd();
}

function toLf(s: string): string {
  return s.replace(/\r\n?/g, "\n");
}

function lineStart(text: string, offset: number): number {
  if (offset <= 0) return 0;
  const nl = text.lastIndexOf("\n", offset - 1);
  return nl === -1 ? 0 : nl + 1;
}

function afterLineEnd(text: string, offset: number): number {
  const nl = text.indexOf("\n", offset);
  return nl === -1 ? text.length : nl + 1;
}
