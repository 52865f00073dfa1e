// `npx tsx bench/lib/heap-snapshot-summary.ts FILE.heapsnapshot [FILE2]`: the live heap of a V8 heap
// snapshot (taken after a full GC) by node type and constructor, largest first; with two files, the
// difference (second minus first) — e.g. the idle worker against the worker at full concurrency.
import fs from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size in bytes per "type:name" (objects by constructor, strings, code, arrays…). */
export function summarize(file: string): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(fs.readFileSync(file, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!]!;
    // Strings and code are summed by type; their "names" are their contents.
    const name = ["object", "closure", "native", "synthetic"].includes(type)
      ? snap.strings[snap.nodes[i + iName]!]!.slice(0, 60)
      : "";
    const key = `${type}:${name}`;
    const e = out.get(key) ?? { bytes: 0, count: 0 };
    e.bytes += snap.nodes[i + iSize]!;
    e.count += 1;
    out.set(key, e);
  }
  return out;
}

function main(files: string[]) {
  const [a, b] = files.map(summarize);
  const total = (m: Map<string, { bytes: number; count: number }>) =>
    [...m.values()].reduce((s, e) => s + e.bytes, 0);
  const mb = (n: number) => (n / 2 ** 20).toFixed(2);
  console.log(`${files[0]}: live ${mb(total(a!))} MB`);
  if (b) console.log(`${files[1]}: live ${mb(total(b))} MB (+${mb(total(b) - total(a!))} MB)`);
  const rows = [...(b ?? a!).entries()].map(([k, e]) => ({
    k,
    bytes: e.bytes - (b ? (a!.get(k)?.bytes ?? 0) : 0),
    count: e.count - (b ? (a!.get(k)?.count ?? 0) : 0),
  }));
  rows.sort((x, y) => y.bytes - x.bytes);
  for (const r of rows.slice(0, 30))
    console.log(`${mb(r.bytes).padStart(8)} MB ${String(r.count).padStart(8)}  ${r.k}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!))
  main(process.argv.slice(2));
