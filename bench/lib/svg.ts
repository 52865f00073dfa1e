// A tiny SVG chart writer (line and grouped bar charts) so the benchmarks can draw their own plots
// without a dependency. Output goes to docs/bench/*.svg.
import fs from "node:fs";
import path from "node:path";

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log-scale x axis (for 10, 100, 1000 tasks). */
  logX?: boolean;
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** Category labels along x. */
  categories: string[];
  /** One value per category for each group. */
  groups: Array<{ name: string; values: number[] }>;
}

const W = 640;
const H = 380;
const M = { left: 70, right: 20, top: 40, bottom: 70 };
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Round step for about `count` ticks over [0, max]. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(v);
  if (out[out.length - 1]! < max) out.push(out[out.length - 1]! + step);
  return out;
}

function label(v: number): string {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  return `${+v.toPrecision(3)}`;
}

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 30}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${M.top + (H - M.top - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function legend(names: string[]): string[] {
  return names.map((n, i) => {
    const x = M.left + 10 + i * 160;
    const y = H - 10;
    return `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 14}" y="${y}">${esc(n)}</text>`;
  });
}

function yAxis(yMax: number, plotH: number): { scale: (v: number) => number; parts: string[]; top: number } {
  const yt = ticks(yMax);
  const top = yt[yt.length - 1]!;
  const scale = (v: number) => M.top + plotH - (v / top) * plotH;
  const parts = yt.map(
    (v) =>
      `<line x1="${M.left}" x2="${W - M.right}" y1="${scale(v)}" y2="${scale(v)}" stroke="#ddd"/>` +
      `<text x="${M.left - 6}" y="${scale(v) + 4}" text-anchor="end">${label(v)}</text>`,
  );
  return { scale, parts, top };
}

export function lineChartSvg(c: LineChart): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const all = c.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const tx = (x: number) => (c.logX ? Math.log10(x) : x);
  const xMin = c.logX ? Math.min(...xs.map(tx)) : 0;
  const xMaxRaw = Math.max(...xs.map(tx));
  const xTicks = c.logX ? [...new Set(xs)].sort((a, b) => a - b) : ticks(xMaxRaw);
  const xMax = c.logX ? xMaxRaw : xTicks[xTicks.length - 1]!;
  const sx = (x: number) => M.left + ((tx(x) - xMin) / (xMax - xMin || 1)) * plotW;
  const y = yAxis(Math.max(...all.map((p) => p[1])), plotH);
  const body = [...y.parts];
  for (const v of xTicks) {
    body.push(
      `<text x="${sx(v)}" y="${M.top + plotH + 16}" text-anchor="middle">${label(v)}</text>`,
      `<line x1="${sx(v)}" x2="${sx(v)}" y1="${M.top + plotH}" y2="${M.top + plotH + 4}" stroke="#333"/>`,
    );
  }
  body.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
  );
  c.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    body.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${sx(p[0]).toFixed(1)},${y.scale(p[1]).toFixed(1)}`).join(" ")}"/>`,
      ...pts.map(
        (p) => `<circle cx="${sx(p[0]).toFixed(1)}" cy="${y.scale(p[1]).toFixed(1)}" r="3" fill="${color}"/>`,
      ),
    );
  });
  body.push(...legend(c.series.map((s) => s.name)));
  return frame(c.title, c.xLabel, c.yLabel, body);
}

export function barChartSvg(c: BarChart): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = yAxis(Math.max(...c.groups.flatMap((g) => g.values)), plotH);
  const body = [...y.parts];
  const slot = plotW / c.categories.length;
  const barW = (slot * 0.7) / c.groups.length;
  c.categories.forEach((cat, ci) => {
    const x0 = M.left + ci * slot + slot * 0.15;
    c.groups.forEach((g, gi) => {
      const v = g.values[ci] ?? 0;
      const x = x0 + gi * barW;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y.scale(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(M.top + plotH - y.scale(v)).toFixed(1)}" fill="${COLORS[gi % COLORS.length]}"/>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(y.scale(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${label(v)}</text>`,
      );
    });
    body.push(
      `<text x="${(M.left + ci * slot + slot / 2).toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(cat)}</text>`,
    );
  });
  body.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
  );
  body.push(...legend(c.groups.map((g) => g.name)));
  return frame(c.title, "", c.yLabel, body);
}

export const PLOTS_DIR = path.resolve(import.meta.dirname, "../../docs/bench");

/**
 * Writes docs/bench/<name>.svg and returns the path relative to docs/ for a Markdown link.
 * BENCH_PLOTS=0 (the quick pass) leaves the committed plots alone.
 */
export function writePlot(name: string, svg: string): string {
  if (process.env.BENCH_PLOTS === "0") return `bench/${name}.svg`;
  fs.mkdirSync(PLOTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(PLOTS_DIR, `${name}.svg`), svg);
  return `bench/${name}.svg`;
}
