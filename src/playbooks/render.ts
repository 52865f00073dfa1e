// Playbook model -> Markdown, the inverse of parsePlaybook: parsePlaybook(renderPlaybook(m)) gives m back
// for every m that parsePlaybook can produce (property-tested). Escaping only touches what would
// otherwise change the structure, e.g. a task-text line that would start a heading or a new item.
import { stringify } from "yaml";
import { PlaybookError } from "./errors.js";
import { FRONT_MATTER_KEYS, type FrontMatter } from "./front-matter.js";
import { parsePlaybook } from "./parse.js";

export interface RenderInput {
  frontMatter: FrontMatter;
  context: string;
  tasks: Array<{ text: string; details: string; done: boolean }>;
}

export function renderPlaybook(p: RenderInput): string {
  let out = renderFrontMatter(p.frontMatter);
  const context = p.context
    .replace(/\r\n?/g, "\n")
    .replace(/^(?:[ \t]*\n)+/, "")
    .trimEnd();
  // With no front matter, a body starting with `---` would be read as front matter: an empty block avoids that.
  if (out === "" && /^\uFEFF?---[ \t]*\n/.test(context + "\n")) out = "---\n---\n";
  if (context !== "") out += `${context}\n\n`;

  p.tasks.forEach((task, i) => {
    out += renderTask(task, i);
  });
  out = out.replace(/\n+$/, "\n");

  // Guard: prose that leaves a fence or HTML block open, or holds its own checklist, would change the tasks.
  const back = parsePlaybook(out);
  if (back.tasks.length !== p.tasks.length) {
    throw new PlaybookError(
      `cannot render the playbook: it would hold ${back.tasks.length} tasks instead of ${p.tasks.length}. The context or a task's details either contains top-level \`- [ ]\` items or leaves a code fence or HTML block open; close it or move the items into the task list.`,
    );
  }
  return out;
}

function renderFrontMatter(fm: FrontMatter): string {
  const ordered: Record<string, unknown> = {};
  for (const key of FRONT_MATTER_KEYS) {
    if (fm[key] !== undefined) ordered[key] = fm[key];
  }
  if (Object.keys(ordered).length === 0) return "";
  return `---\n${stringify(ordered, { lineWidth: 0 })}---\n`;
}

function renderTask(task: { text: string; details: string; done: boolean }, i: number): string {
  const lines = task.text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (lines.length === 0) {
    throw new PlaybookError(
      `cannot render task ${i + 1}: its text is empty. Give every task a one-line description.`,
    );
  }
  const [first, ...rest] = lines as [string, ...string[]];
  let out = `- [${task.done ? "x" : " "}] ${first}\n`;
  for (const line of rest) out += `  ${escapeContinuationLine(line)}\n`;

  const details = task.details
    .replace(/\r\n?/g, "\n")
    .replace(/^(?:[ \t]*\n)+/, "")
    .trimEnd();
  if (details === "") return out;
  // A sub-list can follow the text directly; anything else needs a blank line or it would continue the paragraph.
  const firstLine = details.split("\n", 1)[0] ?? "";
  const tight = /^[-*+][ \t]+\S/.test(firstLine) && !isThematicBreak(firstLine);
  if (!tight) out += "\n";
  out += details
    .split("\n")
    .map((l) => (l === "" ? "" : `  ${l}`))
    .join("\n");
  return `${out}\n\n`;
}

function isThematicBreak(line: string): boolean {
  return /^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/.test(line);
}

/** Block names that start an HTML block able to interrupt a paragraph (CommonMark types 1-6). */
const HTML_BLOCK_NAMES =
  "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul";
const INTERRUPTS: RegExp[] = [
  /^#{1,6}(?:[ \t]|$)/, // ATX heading
  /^(?:`{3,}[^`]*|~{3,}.*)$/, // code fence
  /^>/, // block quote
  /^(?:=+|-+)[ \t]*$/, // setext underline
  /^[-*+][ \t]+\S/, // bullet item with content
  /^1[.)][ \t]+\S/, // ordered item starting at 1
  /^(?:\*[ \t]*){3,}$|^(?:_[ \t]*){3,}$|^(?:-[ \t]*){3,}$/, // thematic break
  /^<(?:script|pre|style|textarea)(?:[\s>]|$)/i,
  /^<(?:!--|\?|![A-Za-z]|!\[CDATA\[)/,
  new RegExp(`^</?(?:${HTML_BLOCK_NAMES})(?:[\\s/>]|$)`, "i"),
];

/** A continuation line of a task's text that would start a new block gets its first character escaped. */
function escapeContinuationLine(line: string): string {
  if (!INTERRUPTS.some((re) => re.test(line))) return line;
  if (/^1[.)]/.test(line)) return `1\\${line.slice(1)}`;
  return `\\${line}`;
}
