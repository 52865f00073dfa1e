// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by package and by function, so the intake
// benchmark can say where a server's CPU goes without a profiler UI.
import fs from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith("node:")) return url.split("/")[0]!;
  const src = url.indexOf("/dist/");
  return src >= 0 ? `maestro ${url.slice(src + 1)}` : url;
}

/** The top `n` entries by self time, as Markdown table rows (ms and % of the busy, non-idle, samples). */
export function summarizeCpuProfile(file: string, n = 12): { byPackage: string[]; byFunction: string[] } {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const pkg = new Map<string, number>();
  const fn = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const d = p.timeDeltas[i] ?? 0;
    const cf = byId.get(id)!.callFrame;
    // The server idles while the other servers take their turn under load: not its cost.
    if (cf.functionName === "(idle)") return;
    total += d;
    const name = cf.functionName || "native";
    const w = cf.url ? where(cf.url) : name.startsWith("(") ? name : `(${name})`;
    pkg.set(w, (pkg.get(w) ?? 0) + d);
    const f = cf.url ? `${cf.functionName || "(anonymous)"} — ${w}` : w;
    fn.set(f, (fn.get(f) ?? 0) + d);
  });
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) =>
          `| ${k.replace(/\|/g, "\\|")} | ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} |`,
      );
  return { byPackage: top(pkg), byFunction: top(fn) };
}
