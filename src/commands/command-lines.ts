// Which lines of a comment are slash-commands: a line whose trimmed start is `/maestro`, outside code
// (fenced or indented), inline code spans and HTML comments. Blockquoted lines start with `>`, so a
// quoted `> /maestro run` never counts. Code is found with the CommonMark parser, not regexes.
import { fromMarkdown } from "mdast-util-from-markdown";

export interface CommandLine {
  /** 1-based line number in the body. */
  line: number;
  /** The line, trimmed. */
  text: string;
}

const PREFIX = /^\/maestro(?=\s|$)/iu;
const LINE_BREAK = /\r\n|\r|\n/;

export function findCommandLines(body: string): CommandLine[] {
  const lines = body.split(LINE_BREAK);
  const candidates: CommandLine[] = [];
  lines.forEach((l, i) => {
    const text = l.trim();
    if (PREFIX.test(text)) candidates.push({ line: i + 1, text });
  });
  if (candidates.length === 0) return [];
  const hidden = hiddenLines(body);
  return candidates.filter((c) => !hidden.has(c.line));
}

interface Node {
  type: string;
  value?: string;
  position?: { start: { line: number }; end: { line: number } };
  children?: Node[];
}

/** Lines covered by code blocks, multi-line code spans and HTML comments. */
function hiddenLines(body: string): Set<number> {
  const hidden = new Set<number>();
  let tree: Node;
  try {
    tree = fromMarkdown(body) as Node;
  } catch {
    return hidden; // Never seen; a parser failure must not turn into a crash on a comment.
  }
  const stack: Node[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const pos = node.position;
    if (pos) {
      let from: number | null = null;
      // A code block's first line may be its content (indented code); a span or comment starts mid-line
      // after other text, so only the lines after its first are hidden.
      if (node.type === "code") from = pos.start.line;
      else if (node.type === "inlineCode") from = pos.start.line + 1;
      else if (node.type === "html" && node.value?.startsWith("<!--")) from = pos.start.line + 1;
      if (from !== null) for (let l = from; l <= pos.end.line; l++) hidden.add(l);
    }
    if (node.children) stack.push(...node.children);
  }
  return hidden;
}
