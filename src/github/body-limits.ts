// GitHub's size limits on what Maestro posts (DESIGN §11: "GitHub's size limits are respected in
// everything Maestro posts").
//
// GitHub documents 65,536 "characters" for issue/PR comment bodies and PR bodies, and 65,535 for a
// check run's `output.summary` and `output.text`. What a "character" is there is not documented, and
// public measurements disagree by surface (code points on PR bodies; UTF-8 bytes, with a larger cap, on
// comments), so Maestro measures the strictest way: UTF-8 bytes. A text of n UTF-8 bytes has at most n UTF-16 code
// units and at most n code points, so a body under the byte budget is under the limit on every reading.
// The budget keeps a margin below 65,535 for whatever GitHub adds or normalises.
//
// Rendering functions collapse their long parts (task tables, task lists) to fit; `fitBody` is the last
// guard where a body is sent: it cuts at a line break (never inside a multi-byte character, a table
// row or a marker line), closes an open code fence, says it cut, and keeps Maestro's markers.
import { Buffer } from "node:buffer";

/** GitHub's documented maximum for comment and pull-request bodies. */
export const GITHUB_MAX_BODY = 65_536;
/** GitHub's documented maximum for a check run's output.summary and output.text. */
export const GITHUB_MAX_CHECK_OUTPUT = 65_535;
/** What Maestro allows itself for any body, in UTF-8 bytes (so also in UTF-16 units and code points). */
export const BODY_BUDGET_BYTES = 65_000;

const NOTICE = "\n\n…(cut to fit GitHub's size limit)";

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** Lone surrogates (half a character, e.g. from a cut made elsewhere) become U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that ends on a code point boundary. */
export function prefixWithinBytes(s: string, maxBytes: number): string {
  if (maxBytes <= 0) return "";
  if (s.length * 3 <= maxBytes || utf8Bytes(s) <= maxBytes) return s;
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > maxBytes) break;
    bytes += n;
    i += cp > 0xffff ? 2 : 1;
  }
  return s.slice(0, i);
}

let segmenter: Intl.Segmenter | null | undefined;
function graphemes(): Intl.Segmenter | null {
  if (segmenter === undefined)
    segmenter =
      typeof Intl.Segmenter === "function" ? new Intl.Segmenter("en", { granularity: "grapheme" }) : null;
  return segmenter;
}

/**
 * `s` cut to at most `maxUnits` UTF-16 units (and `maxBytes` UTF-8 bytes), ellipsis included, between
 * user-perceived characters (grapheme clusters: an emoji sequence or a letter with its accents is kept
 * whole or dropped whole). Half a character (a lone surrogate) becomes U+FFFD.
 */
export function truncateText(
  s: string,
  maxUnits: number,
  opts: { maxBytes?: number; ellipsis?: string } = {},
): string {
  const ellipsis = opts.ellipsis ?? "…";
  const maxBytes = opts.maxBytes ?? Infinity;
  s = wellFormed(s);
  if (s.length <= maxUnits && (maxBytes === Infinity || utf8Bytes(s) <= maxBytes)) return s;
  const roomUnits = Math.max(0, maxUnits - ellipsis.length);
  const roomBytes = Math.max(0, maxBytes - utf8Bytes(ellipsis));
  const seg = graphemes();
  let out = "";
  let used = 0;
  // A window a little longer than needed: a cluster reaching its end cannot fit anyway.
  const window = s.slice(0, Math.min(maxUnits, maxBytes) + 32);
  const pieces: Iterable<{ segment: string }> = seg
    ? seg.segment(window)
    : [...window].map((segment) => ({ segment }));
  for (const { segment } of pieces) {
    const b = utf8Bytes(segment);
    if (out.length + segment.length > roomUnits || used + b > roomBytes) break;
    out += segment;
    used += b;
  }
  return out + ellipsis;
}

const MARKER_LINE = /^<!-- maestro:[A-Za-z0-9:._-]+ -->$/;

/** Maestro's markers that stand on a line of their own (a quoted one inside text is not a marker). */
export function ownLineMarkers(body: string): string[] {
  const found: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    const t = line.trim();
    if (MARKER_LINE.test(t) && !found.includes(t)) found.push(t);
  }
  return found;
}

function fenceOpen(text: string): string | null {
  let open: string | null = null;
  for (const line of text.split("\n")) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (!m) continue;
    const fence = m[1]!;
    if (open === null) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length) open = null;
  }
  return open;
}

export interface FitOptions {
  /** Budget in UTF-8 bytes; default BODY_BUDGET_BYTES. */
  maxBytes?: number;
  /** Markers that must survive (default: every marker line in the body). */
  keep?: readonly string[];
}

/**
 * The body, unchanged when it fits (lone surrogates aside); otherwise cut at the last line break that
 * fits, with a note that it was cut. Markers that led the body still lead it; the others follow the note.
 */
export function fitBody(body: string, opts: FitOptions = {}): string {
  const max = opts.maxBytes ?? BODY_BUDGET_BYTES;
  const clean = wellFormed(body);
  if (utf8Bytes(clean) <= max) return clean;
  const keep = (opts.keep ?? ownLineMarkers(clean)).filter((k) => k.length > 0 && clean.includes(k));

  let rest = clean;
  const lead: string[] = [];
  for (;;) {
    const k = keep.find((m) => !lead.includes(m) && rest.startsWith(m));
    if (!k) break;
    lead.push(k);
    rest = rest.slice(k.length).replace(/^\r?\n/, "");
  }
  const trail = keep.filter((k) => !lead.includes(k));
  for (const k of trail) rest = rest.split(k).join("");

  const head = lead.map((m) => `${m}\n`).join("");
  const foot = `${NOTICE}\n${trail.map((m) => `\n${m}\n`).join("")}`;
  const room = max - utf8Bytes(head) - utf8Bytes(foot) - 8; // 8: a closing fence, if one is needed
  let cut = prefixWithinBytes(rest, room);
  if (cut.length < rest.length) {
    // Back to a line break: no table row, list item or marker is cut in two.
    const nl = cut.lastIndexOf("\n");
    if (nl > 0) cut = cut.slice(0, nl);
  }
  cut = cut.replace(/\s+$/, "");
  const fence = fenceOpen(cut);
  if (fence) cut += `\n${fence}`;
  return head + cut + foot;
}
