// The day's agent spend per repository, read from the daily-budget ledger (src/queue/budget.ts): HTML for
// people at /maestro/admin/costs, JSON at /maestro/admin/costs.json. `?day=YYYY-MM-DD` picks one of the days
// the ledger keeps (three, UTC).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../../queue/connection.js";
import { spendByRepo, utcDay, type RepoSpend } from "../../queue/budget.js";
import { sendText } from "./auth.js";

export interface CostsReport {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  totalUsd: number;
  /** Most first. */
  repos: RepoSpend[];
}

export async function costsReport(store: Store, date: Date): Promise<CostsReport> {
  const repos = await spendByRepo(store, date);
  const totalUsd = repos.reduce((sum, r) => sum + r.usd, 0);
  return { day: utcDay(date), totalUsd, repos };
}

/** Serves the costs page; `format` "json" or "html". */
export async function serveCosts(
  store: Store,
  req: IncomingMessage,
  res: ServerResponse,
  format: "json" | "html",
  now: Date = new Date(),
): Promise<void> {
  const dayParam = new URL(req.url ?? "/", "http://x").searchParams.get("day");
  let date = now;
  if (dayParam !== null) {
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(dayParam) ? new Date(`${dayParam}T12:00:00Z`) : undefined;
    if (!parsed || Number.isNaN(parsed.getTime()) || utcDay(parsed) !== dayParam) {
      sendText(res, 400, `day must be a UTC date, YYYY-MM-DD, e.g. ${utcDay(now)}\n`);
      return;
    }
    date = parsed;
  }
  const report = await costsReport(store, date);
  if (format === "json") {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(report));
    return;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(renderCosts(report));
}

export function renderCosts(report: CostsReport): string {
  const rows =
    report.repos.length === 0
      ? `<tr><td colspan="2">No agent spend recorded on ${escapeHtml(report.day)}.</td></tr>`
      : report.repos
          .map((r) => `<tr><td>${escapeHtml(r.repo)}</td><td class="usd">$${usd(r.usd)}</td></tr>`)
          .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>Maestro — cost on ${escapeHtml(report.day)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; min-width: 24rem; }
th, td { padding: .35rem .75rem; border-bottom: 1px solid #d0d7de; text-align: left; }
td.usd, th.usd { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: 600; }
</style>
</head>
<body>
<h1>Agent cost on ${escapeHtml(report.day)} (UTC)</h1>
<p>Per repository, from the daily-budget ledger (<code>limits.dailyBudgetUsd</code>). <a href="queues/">Run queue</a> · <a href="costs.json?day=${escapeHtml(report.day)}">JSON</a></p>
<table>
<thead><tr><th>Repository</th><th class="usd">Spent</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><td>Total</td><td class="usd">$${usd(report.totalUsd)}</td></tr></tfoot>
</table>
</body>
</html>
`;
}

function usd(n: number): string {
  return n.toFixed(2);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
