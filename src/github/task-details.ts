// What each task did, for a reviewer (issue 14 §4): the agent's own closing summary, the files it changed,
// each verify command's result (with the output's tail when it failed) and a mark when it changed nothing.
// Pure; everything the agent or the repository wrote is sanitized, its mentions defused, and fenced or quoted
// so it cannot break out of its place. As many tasks as fit in `maxBytes` get a section, problems first.
import { sanitizeUntrustedText, longestFenceRun } from "../security/sanitize.js";
import { truncateText, utf8Bytes } from "./body-limits.js";

export interface TaskDetail {
  index: number;
  text: string;
  status?: string;
  summary?: string;
  filesChanged?: number;
  files?: { path: string; added?: number; deleted?: number }[];
  verify?: { command: string; exitCode: number | null; durationMs: number; outputTail: string }[];
  error?: string;
}

const SUMMARY_MAX = 1200;
const FILES_SHOWN = 15;
const TAIL_LINES = 20;
const TAIL_MAX = 1500;
const DONE = new Set(["done", "skipped"]);

/** `@user` → `@\u200buser`: echoing agent text does not notify anyone. */
export function defuseMentions(s: string): string {
  return s.replace(/@(?=[A-Za-z0-9])/g, "@\u200b");
}

function inlineCode(s: string): string {
  const text = defuseMentions(s.replace(/[\r\n]+/g, " "));
  const fence = "`".repeat(Math.max(1, longestFenceRun(text) + 1));
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Untrusted prose as a blockquote: sanitized, no fence or HTML can open inside it, each line quoted. */
function quoted(text: string): string {
  const clean = defuseMentions(sanitizeUntrustedText(truncateText(text.trim(), SUMMARY_MAX)))
    .replace(/</g, "&lt;")
    .replace(/^(\s*)(`{3,}|~{3,})/gm, "$1\u200b$2");
  return clean
    .split("\n")
    .map((l) => `> ${l}`)
    .join("\n");
}

function fenced(text: string): string {
  const body = defuseMentions(sanitizeUntrustedText(text)).replace(/\n+$/, "");
  const fence = "`".repeat(Math.max(3, longestFenceRun(body) + 1));
  return `${fence}text\n${body}\n${fence}`;
}

function tail(output: string): string {
  const lines = output.replace(/\s+$/, "").split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_MAX ? `…${lines.slice(-TAIL_MAX)}` : lines;
}

function filesLine(t: TaskDetail): string | undefined {
  if (t.filesChanged === 0) return "⚠️ **Changed no file**: its commit is empty.";
  if (!t.files?.length) return t.filesChanged ? `Files changed: ${t.filesChanged}` : undefined;
  const shown = t.files.slice(0, FILES_SHOWN).map((f) => {
    const stat =
      f.added === undefined && f.deleted === undefined ? "binary" : `+${f.added ?? 0} −${f.deleted ?? 0}`;
    return `${inlineCode(f.path)} (${stat})`;
  });
  const total = Math.max(t.filesChanged ?? 0, t.files.length);
  const more = total - shown.length;
  return `Files changed (${total}): ${shown.join(", ")}${more > 0 ? `, and ${more} more` : ""}`;
}

function verifyLines(t: TaskDetail): string[] {
  return (t.verify ?? []).flatMap((v) => {
    const ok = v.exitCode === 0;
    const head = `Verify ${inlineCode(v.command)}: ${ok ? "✅ passed" : `❌ ${v.exitCode === null ? "killed or timed out" : `exit ${v.exitCode}`}`} (${Math.round(v.durationMs / 100) / 10} s)`;
    return ok || !v.outputTail.trim() ? [head] : [head, "", fenced(tail(v.outputTail))];
  });
}

/** One task's section. */
export function renderTaskDetail(t: TaskDetail, statusText: string): string {
  const title = defuseMentions(sanitizeUntrustedText(t.text).replace(/\s+/g, " ").trim());
  const lines = [`#### ${t.index + 1}. ${statusText} ${truncateText(title, 160)}`];
  if (t.summary?.trim()) lines.push("", quoted(t.summary));
  else if (t.error) lines.push("", quoted(t.error));
  const files = filesLine(t);
  if (files) lines.push("", files);
  const verify = verifyLines(t);
  if (verify.length) lines.push("", ...verify);
  return lines.join("\n");
}

/**
 * The sections of the finished tasks that fit in `maxBytes`: failed tasks and tasks that changed nothing
 * first, then the others in order; shown in task order, with a last line counting the ones left out.
 */
export function renderTaskDetails(
  tasks: TaskDetail[],
  statusText: (status: string) => string,
  maxBytes: number,
  logHint = "the run log",
): string {
  const finished = tasks.filter((t) => t.status !== undefined && t.status !== "skipped");
  const rank = (t: TaskDetail) => (!DONE.has(t.status!) ? 0 : t.filesChanged === 0 ? 1 : 2);
  const order = [...finished].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  const reserve = 200;
  const chosen = new Map<number, string>();
  let used = 0;
  for (const t of order) {
    const section = renderTaskDetail(t, statusText(t.status!));
    const size = utf8Bytes(section) + 2;
    if (used + size + reserve > maxBytes) continue;
    chosen.set(t.index, section);
    used += size;
  }
  if (chosen.size === 0) return "";
  const sections = finished.filter((t) => chosen.has(t.index)).map((t) => chosen.get(t.index)!);
  const left = finished.length - chosen.size;
  if (left > 0) sections.push(`_… ${left} more task${left === 1 ? "" : "s"}: see ${logHint}._`);
  return sections.join("\n\n");
}
