// Which lines of a comment are slash-commands (DESIGN §4): a line whose trimmed start is `/maestro`,
// outside code (fenced or indented), multi-line inline code spans and HTML comments. Blockquoted lines
// start with `>`, so a quoted `> /maestro run` never counts.
//
// Anyone can comment, so this runs on hostile text before anything else (DESIGN §11: "commands are
// found by a linear scan"). A full Markdown parse is not linear: micromark took 19 s on `/maestro help`
// followed by 64 KB of `>`, and 9 s on 64 KB of `*a`, blocking the whole server. So this is a
// hand-written CommonMark *block* scanner (the algorithm of the spec's reference parser, commonmark.js,
// adjusted where micromark reads lazy lines and interrupting list items its own way) that keeps only
// what decides whether a line is code, plus the two inline constructs that can hide a line (a code span
// or an HTML comment running over several lines of a paragraph). Time is linear in the body's length:
// - every line is looked at a bounded number of times: at most MAX_DEPTH open block quotes and list
//   items are followed (deeper markers are read as text: no real comment nests 32 deep), and the
//   whitespace run at the cursor is measured once;
// - a code span's closing backticks are found with one cursor per run length that only moves forward;
//   the next `-->` with one remembered search.
// It agrees with the CommonMark parser (mdast-util-from-markdown, which this replaced) on the
// constructs above; test/unit/commands/command-lines.property.test.ts checks both on generated
// Markdown. Differences: an HTML comment indented by 1–3 spaces hides its lines here (the old code
// missed it); and, in text no one writes by accident, backticks inside an inline HTML tag, an autolink
// or a link destination are taken as code-span delimiters, link reference definitions are read as
// paragraph text, and nesting deeper than MAX_DEPTH is text.

export interface CommandLine {
  /** 1-based line number in the body. */
  line: number;
  /** The line, trimmed. */
  text: string;
}

const PREFIX = /^\/maestro(?=\s|$)/iu;
const LINE_BREAK = /\r\n|\r|\n/;
/** Open block quotes and list items followed; deeper container markers are plain text. */
export const MAX_DEPTH = 32;

export function findCommandLines(body: string): CommandLine[] {
  if (typeof body !== "string" || !/\/maestro/i.test(body)) return [];
  // A string split is much faster than a regex split (2.5 ms for 64 K empty lines): CR is rare.
  const lines = body.includes("\r") ? body.split(LINE_BREAK) : body.split("\n");
  const candidates: CommandLine[] = [];
  lines.forEach((l, i) => {
    const text = l.trim();
    if (PREFIX.test(text)) candidates.push({ line: i + 1, text });
  });
  if (candidates.length === 0) return [];
  const hidden = hiddenLines(lines);
  return candidates.filter((c) => hidden[c.line - 1] === 0);
}

/** For each line (0-based): 1 when it is inside code, a multi-line code span or an HTML comment. */
export function hiddenLines(lines: readonly string[]): Uint8Array {
  const scanner = new BlockScanner(lines);
  for (let i = 0; i < lines.length; i++) scanner.line(i);
  scanner.end();
  return scanner.hidden;
}

type Container = { kind: "quote" } | { kind: "item"; indent: number; hasChild: boolean };
type Leaf =
  /** lines: its line indices; offsets: where its text starts in each; inline: a `` ` `` or `<` seen. */
  | { kind: "paragraph"; lines: number[]; offsets: number[]; inline: boolean }
  | { kind: "fence"; char: number; length: number; indent: number }
  | { kind: "indented" }
  | { kind: "html"; type: number; startLine: number };

const TAB = 9;
const SPACE = 32;
const BACKTICK = 96;
const TILDE = 126;
const BACKSLASH = 92;
const LT = 60;
const GT = 62;

const isSpaceOrTab = (c: number) => c === SPACE || c === TAB;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAsciiAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAsciiAlnum = (c: number) => isAsciiAlpha(c) || isDigit(c);
const isAsciiPunct = (c: number) =>
  (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
/** Characters that may start a block other than a paragraph: `#`, `` ` ``, `~`, `*`, `+`, `_`, `=`, `<`, `>`, `-`, digits. */
const maybeSpecial = (c: number) =>
  c === 35 ||
  c === BACKTICK ||
  c === TILDE ||
  c === 42 ||
  c === 43 ||
  c === 95 ||
  c === 61 ||
  c === LT ||
  c === GT ||
  c === 45 ||
  isDigit(c);

const RAW_NAMES = ["script", "pre", "style", "textarea"];
const BLOCK_NAMES = new Set(
  (
    "address article aside base basefont blockquote body caption center col colgroup dd details dialog dir div " +
    "dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe " +
    "legend li link main menu menuitem nav noframes ol optgroup option p param search section summary table " +
    "tbody td tfoot th thead title tr track ul"
  ).split(" "),
);
/** What ends an HTML block of kind 2–5 (kind 1: RAW_END; 6 and 7: a blank line). */
const HTML_END = ["", "", "-->", "?>", ">", "]]>"];
const RAW_END = /<\/(?:script|pre|style|textarea)>/i;

class BlockScanner {
  readonly hidden: Uint8Array;
  private readonly containers: Container[] = [];
  private leaf: Leaf | null = null;

  // The line being read and the cursor in it (columns count tabs to the next multiple of 4).
  private text = "";
  private index = 0;
  private offset = 0;
  private column = 0;
  private partialTab = false;
  private nextNonspace = 0;
  private nextNonspaceColumn = 0;
  private indent = 0;
  private blank = false;
  // The whitespace run last measured: [from, to), and whether it holds a tab.
  private wsFrom = -1;
  private wsTo = -1;
  private wsTab = false;
  // Containers matched on this line, and whether every open block (leaf included) was.
  private matched = 0;
  private allClosed = true;
  // Whether a new list item "interrupts" (then an ordered one starts at 1 and none is empty): as
  // micromark decides it, when the line continued every open container and a leaf was open, for every
  // list marker on the line (commonmark.js asks whether the line continued a paragraph).
  private interrupting = false;
  private flowClosed = false;
  /** How many containers a blank line continues; -1: to be counted again. */
  private blankMatches = -1;
  /** Whether the previous line was blank (after its container markers). */
  private lastBlank = false;

  constructor(private readonly lines: readonly string[]) {
    this.hidden = new Uint8Array(lines.length);
  }

  line(index: number): void {
    this.read(index);
    this.lastBlank = this.blank;
  }

  private read(index: number): void {
    this.text = this.lines[index]!;
    this.index = index;
    this.offset = 0;
    this.column = 0;
    this.partialTab = false;
    this.wsFrom = -1;
    this.wsTo = -1;

    // 1. Which open containers does this line continue? A blank line continues the leading list items
    // that have content (a quote needs its `>`): counted once per change of the containers, so that
    // blank lines under deep nesting cost no more than other lines.
    let matched = 0;
    if (this.containers.length > 0 && this.isBlankLine()) {
      if (this.blankMatches < 0) {
        let m = 0;
        for (const c of this.containers) {
          if (c.kind !== "item" || !c.hasChild) break;
          m++;
        }
        this.blankMatches = m;
      }
      matched = this.blankMatches;
      this.offset = this.text.length;
    } else {
      while (matched < this.containers.length && this.continues(this.containers[matched]!)) matched++;
    }
    this.matched = matched;
    // (Indented code followed by a blank line has already ended for micromark.)
    this.interrupting =
      !this.flowClosed &&
      this.leaf !== null &&
      !(this.leaf.kind === "indented" && this.lastBlank) &&
      matched === this.containers.length;
    // A line that leaves containers unmatched, opens none and continues no paragraph: micromark ends
    // its flow with the line, so nothing is "interrupted" on the next one. Cleared below otherwise.
    this.flowClosed = matched < this.containers.length;
    let leafMatched = false;
    const leaf = this.leaf;
    if (leaf !== null && matched === this.containers.length) {
      this.findNextNonspace();
      switch (leaf.kind) {
        case "fence":
          if (this.indent <= 3 && this.closesFence(leaf)) {
            this.hidden[index] = 1;
            this.leaf = null;
            return;
          }
          for (let i = leaf.indent; i > 0 && isSpaceOrTab(this.peek(this.offset)); i--)
            this.advanceOffset(1, true);
          leafMatched = true;
          break;
        case "indented":
          if (this.indent >= 4) {
            this.advanceOffset(4, true);
            leafMatched = true;
          } else if (this.blank) {
            this.advanceNextNonspace();
            leafMatched = true;
          }
          break;
        case "html":
          leafMatched = !(this.blank && leaf.type >= 6);
          break;
        case "paragraph":
          leafMatched = !this.blank;
          break;
      }
    }
    this.allClosed = matched === this.containers.length && (leaf === null || leafMatched);
    let paragraphMatched = leafMatched && leaf?.kind === "paragraph";

    // 2. New block starts, unless the line belongs to an open code or HTML block.
    if (!(leafMatched && leaf?.kind !== "paragraph")) {
      for (;;) {
        this.findNextNonspace();
        const c = this.peek(this.nextNonspace);
        if (!this.isIndented() && !maybeSpecial(c)) {
          this.advanceNextNonspace();
          break;
        }
        const started = this.blockStart(c, paragraphMatched);
        if (started === 0) {
          this.advanceNextNonspace();
          break;
        }
        paragraphMatched = false;
        if (started === 2) break;
      }
    }

    // 3. The rest of the line: a lazy paragraph continuation, the open leaf's content, or a new paragraph.
    if (!this.allClosed && !this.blank && this.leaf?.kind === "paragraph") {
      this.flowClosed = false;
      this.addParagraphLine();
      return;
    }
    this.closeUnmatched();
    const open = this.leaf as Leaf | null;
    if (open === null) {
      if (this.offset < this.text.length && !this.blank) {
        this.flowClosed = false;
        this.addLeaf({ kind: "paragraph", lines: [], offsets: [], inline: false });
        this.advanceNextNonspace();
        this.addParagraphLine();
      }
      return;
    }
    switch (open.kind) {
      case "fence":
      case "indented":
        this.hidden[index] = 1;
        break;
      case "paragraph":
        this.addParagraphLine();
        break;
      case "html":
        if (open.type === 2 && index > open.startLine) this.hidden[index] = 1;
        if (
          open.type === 1
            ? RAW_END.test(this.text.slice(this.offset))
            : open.type <= 5 && this.text.includes(HTML_END[open.type]!, this.offset)
        )
          this.leaf = null;
        break;
    }
  }

  /** Closes what is still open at the end of the body. */
  end(): void {
    this.closeLeaf();
  }

  private isIndented(): boolean {
    return this.indent >= 4;
  }

  private peek(i: number): number {
    return i < this.text.length ? this.text.charCodeAt(i) : -1;
  }

  /** Does this line continue the container? Advances past its marker or indentation if so. */
  private continues(c: Container): boolean {
    this.findNextNonspace();
    if (c.kind === "quote") {
      if (this.isIndented() || this.peek(this.nextNonspace) !== GT) return false;
      this.advanceNextNonspace();
      this.advanceOffset(1, false);
      if (isSpaceOrTab(this.peek(this.offset))) this.advanceOffset(1, true);
      return true;
    }
    if (this.blank) {
      if (!c.hasChild) return false;
      this.advanceNextNonspace();
      return true;
    }
    if (this.indent < c.indent) return false;
    this.advanceOffset(c.indent, true);
    return true;
  }

  /**
   * Tries the block starts in the spec's order at the cursor. 0: none; 1: a container opened (look
   * for more); 2: a leaf started.
   */
  private blockStart(c: number, paragraphMatched: boolean): 0 | 1 | 2 {
    const indented = this.isIndented();
    const p = this.nextNonspace;
    const canNest = this.containers.length < MAX_DEPTH;
    if (!indented) {
      if (c === GT && canNest) {
        this.advanceNextNonspace();
        this.advanceOffset(1, false);
        if (isSpaceOrTab(this.peek(this.offset))) this.advanceOffset(1, true);
        this.closeUnmatched();
        this.addContainer({ kind: "quote" });
        return 1;
      }
      if (c === 35 && this.isAtxHeading(p)) {
        this.closeUnmatched();
        this.closeLeaf();
        this.markChild();
        this.toLineEnd();
        return 2;
      }
      if (c === BACKTICK || c === TILDE) {
        const length = this.openingFence(p, c);
        if (length > 0) {
          this.closeUnmatched();
          this.addLeaf({ kind: "fence", char: c, length, indent: this.indent });
          this.advanceNextNonspace();
          this.advanceOffset(length, false);
          return 2;
        }
      }
      if (c === LT) {
        const type = this.htmlBlockStart(p);
        const lazyParagraph = !this.allClosed && !this.blank && this.leaf?.kind === "paragraph";
        if (type > 0 && (type < 7 || (!paragraphMatched && !lazyParagraph))) {
          this.closeUnmatched();
          this.addLeaf({ kind: "html", type, startLine: this.index });
          return 2;
        }
        if (type === 7 && lazyParagraph) {
          // As micromark reads it (commonmark.js would continue the paragraph): a complete tag on a
          // lazy line ends the paragraph and starts HTML inside the containers the line did not continue.
          this.addLeaf({ kind: "html", type, startLine: this.index });
          this.matched = this.containers.length;
          this.allClosed = true;
          this.flowClosed = false;
          return 2;
        }
      }
      if (paragraphMatched && (c === 61 || c === 45) && this.isSetextUnderline(p, c)) {
        // The paragraph becomes a heading: its inline content is final.
        this.closeUnmatched();
        this.closeLeaf();
        this.toLineEnd();
        return 2;
      }
      if ((c === 42 || c === 45 || c === 95) && this.isThematicBreak(p, c)) {
        this.closeUnmatched();
        this.closeLeaf();
        this.markChild();
        this.toLineEnd();
        return 2;
      }
      if (canNest && this.listItemStart(c)) return 1;
    } else if (this.leaf?.kind !== "paragraph" && !this.blank) {
      this.advanceOffset(4, true);
      this.closeUnmatched();
      this.addLeaf({ kind: "indented" });
      return 2;
    }
    return 0;
  }

  private listItemStart(c: number): boolean {
    const p = this.nextNonspace;
    let markerLength: number;
    if (c === 42 || c === 43 || c === 45) {
      markerLength = 1;
    } else if (isDigit(c)) {
      let i = p;
      while (i < this.text.length && i - p < 9 && isDigit(this.text.charCodeAt(i))) i++;
      const delimiter = this.peek(i);
      if (delimiter !== 46 && delimiter !== 41) return false;
      // Interrupting, an ordered list must start at 1.
      if (this.interrupting && Number(this.text.slice(p, i)) !== 1) return false;
      markerLength = i - p + 1;
    } else {
      return false;
    }
    const after = this.peek(p + markerLength);
    if (after !== -1 && !isSpaceOrTab(after)) return false;
    // Interrupting, an item must not be empty.
    if (this.interrupting && this.restIsBlank(p + markerLength)) return false;

    const markerOffset = this.indent;
    this.advanceNextNonspace();
    this.advanceOffset(markerLength, true);
    const spacesStartColumn = this.column;
    const spacesStartOffset = this.offset;
    do {
      this.advanceOffset(1, true);
    } while (this.column - spacesStartColumn < 5 && isSpaceOrTab(this.peek(this.offset)));
    const blankItem = this.peek(this.offset) === -1;
    const spacesAfter = this.column - spacesStartColumn;
    let padding: number;
    if (spacesAfter >= 5 || spacesAfter < 1 || blankItem) {
      padding = markerLength + 1;
      this.column = spacesStartColumn;
      this.offset = spacesStartOffset;
      this.partialTab = false;
      if (isSpaceOrTab(this.peek(this.offset))) this.advanceOffset(1, true);
    } else {
      padding = markerLength + spacesAfter;
    }
    this.closeUnmatched();
    this.addContainer({ kind: "item", indent: markerOffset + padding, hasChild: false });
    return true;
  }

  private restIsBlank(from: number): boolean {
    for (let i = from; i < this.text.length; i++) if (!isSpaceOrTab(this.text.charCodeAt(i))) return false;
    return true;
  }

  private isAtxHeading(p: number): boolean {
    let i = p;
    while (i < this.text.length && i - p < 7 && this.text.charCodeAt(i) === 35) i++;
    const n = i - p;
    return n >= 1 && n <= 6 && (i === this.text.length || isSpaceOrTab(this.text.charCodeAt(i)));
  }

  /** Length of an opening fence at p, or 0. A backtick fence's info string has no backtick. */
  private openingFence(p: number, c: number): number {
    let i = p;
    while (i < this.text.length && this.text.charCodeAt(i) === c) i++;
    const length = i - p;
    if (length < 3) return 0;
    if (c === BACKTICK && this.text.indexOf("`", i) >= 0) return 0;
    return length;
  }

  private closesFence(fence: Extract<Leaf, { kind: "fence" }>): boolean {
    const p = this.nextNonspace;
    let i = p;
    while (i < this.text.length && this.text.charCodeAt(i) === fence.char) i++;
    return i - p >= fence.length && this.restIsBlank(i);
  }

  private isSetextUnderline(p: number, c: number): boolean {
    let i = p;
    while (i < this.text.length && this.text.charCodeAt(i) === c) i++;
    return this.restIsBlank(i);
  }

  private isThematicBreak(p: number, c: number): boolean {
    let count = 0;
    for (let i = p; i < this.text.length; i++) {
      const d = this.text.charCodeAt(i);
      if (d === c) count++;
      else if (!isSpaceOrTab(d)) return false;
    }
    return count >= 3;
  }

  /** The HTML block kind (1–7) starting at p (a `<`), or 0. */
  private htmlBlockStart(p: number): number {
    const t = this.text;
    const c1 = this.peek(p + 1);
    if (c1 === 33) {
      // <!
      if (t.startsWith("<!--", p)) return 2;
      if (t.startsWith("<![CDATA[", p)) return 5;
      if (isAsciiAlpha(this.peek(p + 2))) return 4;
      return 0;
    }
    if (c1 === 63) return 3; // <?
    const slash = c1 === 47;
    let i = slash ? p + 2 : p + 1;
    if (!isAsciiAlpha(this.peek(i))) return 0;
    const nameStart = i;
    while (i < t.length && (isAsciiAlnum(t.charCodeAt(i)) || t.charCodeAt(i) === 45)) i++;
    const name = t.slice(nameStart, i).toLowerCase();
    const next = this.peek(i);
    if (!slash && RAW_NAMES.includes(name) && (next === -1 || isSpaceOrTab(next) || next === GT)) return 1;
    if (
      BLOCK_NAMES.has(name) &&
      (next === -1 || isSpaceOrTab(next) || next === GT || (next === 47 && this.peek(i + 1) === GT))
    )
      return 6;
    return this.completeTagLine(i, slash) ? 7 : 0;
  }

  /** After a tag name at i: the rest of a complete open (or closing) tag, then only whitespace. */
  private completeTagLine(start: number, closing: boolean): boolean {
    const t = this.text;
    let i = start;
    const skipSpace = () => {
      const from = i;
      while (i < t.length && isSpaceOrTab(t.charCodeAt(i))) i++;
      return i > from;
    };
    if (closing) {
      skipSpace();
    } else {
      for (;;) {
        const spaced = skipSpace();
        const c = this.peek(i);
        if (!spaced || !(isAsciiAlpha(c) || c === 95 || c === 58)) break;
        // Attribute name, then an optional value.
        i++;
        while (i < t.length) {
          const d = t.charCodeAt(i);
          if (isAsciiAlnum(d) || d === 95 || d === 46 || d === 58 || d === 45) i++;
          else break;
        }
        const beforeValue = i;
        skipSpace();
        if (this.peek(i) !== 61) {
          i = beforeValue;
          continue;
        }
        i++;
        skipSpace();
        const q = this.peek(i);
        if (q === 34 || q === 39) {
          const close = t.indexOf(String.fromCharCode(q), i + 1);
          if (close < 0) return false;
          i = close + 1;
        } else {
          const from = i;
          while (i < t.length) {
            const d = t.charCodeAt(i);
            if (d <= SPACE || d === 34 || d === 39 || d === 61 || d === LT || d === GT || d === BACKTICK)
              break;
            i++;
          }
          if (i === from) return false;
        }
      }
      if (this.peek(i) === 47) i++;
    }
    if (this.peek(i) !== GT) return false;
    return this.restIsBlank(i + 1);
  }

  private toLineEnd(): void {
    this.offset = this.text.length;
    this.partialTab = false;
  }

  private addContainer(c: Container): void {
    this.flowClosed = false;
    this.blankMatches = -1;
    this.closeLeaf();
    this.markChild();
    this.containers.push(c);
    this.matched = this.containers.length;
  }

  private addLeaf(leaf: Leaf): void {
    this.closeLeaf();
    this.markChild();
    this.leaf = leaf;
  }

  private markChild(): void {
    const parent = this.containers[this.containers.length - 1];
    if (parent?.kind === "item" && !parent.hasChild) {
      parent.hasChild = true;
      this.blankMatches = -1;
    }
  }

  private isBlankLine(): boolean {
    for (let i = 0; i < this.text.length; i++) if (!isSpaceOrTab(this.text.charCodeAt(i))) return false;
    return true;
  }

  /** Closes the blocks this line did not continue. */
  private closeUnmatched(): void {
    if (this.allClosed) return;
    if (this.matched < this.containers.length) {
      this.closeLeaf();
      this.containers.length = this.matched;
      this.blankMatches = -1;
    } else if (this.leaf !== null) {
      // Only the leaf was not continued (a paragraph, code or HTML block ends here).
      this.closeLeaf();
    }
    this.allClosed = true;
  }

  private closeLeaf(): void {
    const leaf = this.leaf;
    this.leaf = null;
    // Only a code span or an HTML comment over several lines can hide one.
    if (leaf?.kind === "paragraph" && leaf.inline && leaf.lines.length > 1)
      hideInlineSpans(
        leaf.lines.map((l, k) => this.lines[l]!.slice(leaf.offsets[k])),
        leaf.lines,
        this.hidden,
      );
  }

  private addParagraphLine(): void {
    const p = this.leaf as Extract<Leaf, { kind: "paragraph" }>;
    p.lines.push(this.index);
    p.offsets.push(this.offset);
    if (!p.inline) p.inline = this.text.includes("`", this.offset) || this.text.includes("<", this.offset);
  }

  private findNextNonspace(): void {
    const t = this.text;
    let i: number;
    let cols: number;
    if (this.offset >= this.wsFrom && this.offset <= this.wsTo && !this.wsTab && !this.partialTab) {
      i = this.wsTo;
      cols = this.column + (this.wsTo - this.offset);
    } else {
      i = this.offset;
      cols = this.column;
      let tab = this.partialTab;
      while (i < t.length) {
        const c = t.charCodeAt(i);
        if (c === SPACE) {
          i++;
          cols++;
        } else if (c === TAB) {
          i++;
          cols += 4 - (cols % 4);
          tab = true;
        } else break;
      }
      this.wsFrom = this.offset;
      this.wsTo = i;
      this.wsTab = tab;
    }
    this.blank = i >= t.length;
    this.nextNonspace = i;
    this.nextNonspaceColumn = cols;
    this.indent = cols - this.column;
  }

  private advanceNextNonspace(): void {
    this.offset = this.nextNonspace;
    this.column = this.nextNonspaceColumn;
    this.partialTab = false;
  }

  private advanceOffset(count: number, columns: boolean): void {
    const t = this.text;
    while (count > 0 && this.offset < t.length) {
      if (t.charCodeAt(this.offset) === TAB) {
        const toTab = 4 - (this.column % 4);
        if (columns) {
          this.partialTab = toTab > count;
          const advance = toTab > count ? count : toTab;
          this.column += advance;
          if (!this.partialTab) this.offset += 1;
          count -= advance;
        } else {
          this.partialTab = false;
          this.column += toTab;
          this.offset += 1;
          count -= 1;
        }
      } else {
        this.partialTab = false;
        this.offset += 1;
        this.column += 1;
        count -= 1;
      }
    }
  }
}

/**
 * Marks the lines after the first of every code span and HTML comment of a paragraph (the first line
 * holds other text before it, so it may still be a command line). Linear: backtick runs are indexed by
 * length, and each length's cursor only moves forward.
 */
function hideInlineSpans(texts: string[], lineNumbers: number[], hidden: Uint8Array): void {
  const text = texts.join("\n");
  const starts: number[] = [];
  let pos = 0;
  for (const t of texts) {
    starts.push(pos);
    pos += t.length + 1;
  }
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const hide = (from: number, to: number) => {
    for (let k = lineOf(from) + 1, last = lineOf(to); k <= last; k++) hidden[lineNumbers[k]!] = 1;
  };

  // Every maximal run of backticks, by length.
  const runs = new Map<number, number[]>();
  for (let i = 0; i < text.length;) {
    if (text.charCodeAt(i) !== BACKTICK) {
      i++;
      continue;
    }
    const from = i;
    while (i < text.length && text.charCodeAt(i) === BACKTICK) i++;
    const list = runs.get(i - from);
    if (list) list.push(from);
    else runs.set(i - from, [from]);
  }
  const cursors = new Map<number, number>();
  const closingRun = (length: number, after: number): number => {
    const list = runs.get(length);
    if (!list) return -1;
    let k = cursors.get(length) ?? 0;
    while (k < list.length && list[k]! < after) k++;
    cursors.set(length, k);
    return k < list.length ? list[k]! : -1;
  };
  // Inline HTML that runs to a fixed terminator (comments, declarations, processing instructions,
  // CDATA) is skipped whole, so its backticks open no code span; only comments hide lines.
  const finder = (needle: string) => {
    let found = -2; // the last hit, first at or after the last search's start; -1: none further on
    return (from: number) => {
      if (found !== -1 && found < from) found = text.indexOf(needle, from);
      return found;
    };
  };
  const commentEnd = finder("-->");
  const declarationEnd = finder(">");
  const instructionEnd = finder("?>");
  const cdataEnd = finder("]]>");

  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      i += i + 1 < text.length && isAsciiPunct(text.charCodeAt(i + 1)) ? 2 : 1;
    } else if (c === BACKTICK) {
      let j = i;
      while (j < text.length && text.charCodeAt(j) === BACKTICK) j++;
      const close = closingRun(j - i, j);
      if (close >= 0) {
        hide(i, close);
        i = close + (j - i);
      } else {
        i = j;
      }
    } else if (c === LT) {
      let end = -1;
      if (text.startsWith("<!--", i)) {
        // `<!-->` and `<!--->` are whole comments: the closing `-->` may start at the opening's dashes.
        end = commentEnd(i + 2);
        if (end >= 0) hide(i, end + 2);
        end = end >= 0 ? end + 3 : -1;
      } else if (text.startsWith("<![CDATA[", i)) {
        end = cdataEnd(i + 9);
        end = end >= 0 ? end + 3 : -1;
      } else if (text.charCodeAt(i + 1) === 33 && isAsciiAlpha(text.charCodeAt(i + 2))) {
        end = declarationEnd(i + 2);
        end = end >= 0 ? end + 1 : -1;
      } else if (text.charCodeAt(i + 1) === 63) {
        end = instructionEnd(i + 2);
        end = end >= 0 ? end + 2 : -1;
      }
      i = end >= 0 ? end : i + 1;
    } else {
      i++;
    }
  }
}
