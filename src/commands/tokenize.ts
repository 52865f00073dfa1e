// Shell-like tokens, read one at a time so the caller can stop and take the rest of the line raw
// (`fix TEXT`, `-- args`): free text may hold apostrophes that are not quotes.

export interface Token {
  /** The value with quotes removed and escapes applied. */
  value: string;
  /** Offset of the token's first character in the input. */
  start: number;
  /** Offset just past the token. */
  end: number;
  /** True when any part of the token was quoted or escaped. */
  quoted: boolean;
}

export type NextToken = { ok: true; token: Token | null } | { ok: false; error: string };

const SPACE = /\s/u;

/**
 * The token starting at or after `pos`, or null at end of input.
 * Single quotes are literal; in double quotes `\"` and `\\` are escapes; outside quotes a backslash escapes the next character.
 */
export function nextToken(input: string, pos: number): NextToken {
  let i = pos;
  while (i < input.length && SPACE.test(input[i]!)) i++;
  if (i >= input.length) return { ok: true, token: null };
  const start = i;
  let value = "";
  let quoted = false;
  while (i < input.length && !SPACE.test(input[i]!)) {
    const ch = input[i]!;
    if (ch === "'") {
      const close = input.indexOf("'", i + 1);
      if (close < 0) return { ok: false, error: unbalanced("'", input, i) };
      value += input.slice(i + 1, close);
      quoted = true;
      i = close + 1;
    } else if (ch === '"') {
      quoted = true;
      i++;
      let closed = false;
      while (i < input.length) {
        const c = input[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === "\\" && (input[i + 1] === '"' || input[i + 1] === "\\")) {
          value += input[i + 1];
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return { ok: false, error: unbalanced('"', input, start) };
    } else if (ch === "\\" && i + 1 < input.length) {
      // Escape by code point so a backslash before an emoji keeps the whole character.
      const cp = String.fromCodePoint(input.codePointAt(i + 1)!);
      value += cp;
      quoted = true;
      i += 1 + cp.length;
    } else {
      value += ch;
      i++;
    }
  }
  return { ok: true, token: { value, start, end: i, quoted } };
}

function unbalanced(quote: string, input: string, at: number): string {
  const excerpt = input.slice(at, at + 30);
  const kind = quote === "'" ? "single" : "double";
  return (
    `Unbalanced ${kind} quote (${quote}) at ${JSON.stringify(excerpt)}: close it, or put free text after "--" ` +
    `(e.g. /maestro run NAME -- it's fine here).`
  );
}
