// {{placeholders}} in a playbook's context and task text. Applied AFTER parsing, so a value can never add a task.
// Values are untrusted: inline ones are sanitized, flattened to one line and Markdown-escaped;
// the issue body becomes a fenced block labelled as untrusted data.
import { fenceUntrusted, longestFenceRun, sanitizeInline } from "../security/sanitize.js";

export interface TemplateValues {
  issue?: { number?: number; title?: string; body?: string };
  args?: string;
  repo?: string;
}

const PLACEHOLDER = /\{\{[ \t]*(issue\.number|issue\.title|issue\.body|args|repo)[ \t]*\}\}/g;

/** Replaces known placeholders (a missing value gives an empty string); unknown `{{...}}` are left as is. */
export function renderTemplate(text: string, values: TemplateValues): string {
  // The body's fence must also outlast any fence the playbook itself wraps around the placeholder.
  const minFence = longestFenceRun(text) + 1;
  return text.replace(PLACEHOLDER, (_m, key: string) => {
    switch (key) {
      case "issue.number": {
        const n = values.issue?.number;
        return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? String(n) : "";
      }
      case "issue.title":
        return escapeInline(values.issue?.title ?? "");
      case "issue.body": {
        const body = values.issue?.body;
        return body === undefined ? "" : fenceUntrusted("the issue body", body, { minFence });
      }
      case "args":
        return escapeInline(values.args ?? "");
      case "repo":
        return escapeInline(values.repo ?? "");
      default:
        return "";
    }
  });
}

/**
 * One sanitized line that cannot make Markdown structure wherever it lands: no line breaks, the
 * characters that open code spans, links/checkboxes, HTML or placeholders are escaped everywhere, and
 * a leading character that could start a block (heading, item, quote, fence, rule) is escaped too.
 * Ordinary characters inside (`-`, `_`, `.`, `/`, `#`) stay readable, e.g. for paths and `#123`.
 */
export function escapeInline(value: string, maxLen = 300): string {
  const line = sanitizeInline(value, maxLen).replace(/[\\`<>[\]{}]/g, "\\$&");
  if (/^[#>\-+*=|~_!:]/.test(line)) return `\\${line}`;
  return line.replace(/^(\d+)([.)])/, "$1\\$2");
}
