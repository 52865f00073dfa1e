// Records, in a tight loop, what a secret could leak into while an e2e run is in progress: every
// process's argv (/proc/*/cmdline, so short-lived git children are caught too) and the contents of
// every file under the given roots (objects/pack left out). It does not know the secrets (they are
// issued mid-run): it keeps every distinct cmdline and file content, and on "stop" writes them to the
// result file for the test to search. Runs as its own process so the loop never stalls the test's
// event loop (which serves the local GitHub).
// With `--environ-of=TEXT`, the environment (/proc/PID/environ) of every process whose argv holds TEXT is kept
// too: the agent's real environment, not only what it chose to dump.
//   node secret-watch.mjs RESULT.json [--environ-of=TEXT] ROOT...   then send "stop" over IPC; it answers "done".
import fs from "node:fs";
import path from "node:path";
import { setImmediate as tick } from "node:timers/promises";

const [resultFile, ...rest] = process.argv.slice(2);
const marker = rest.find((a) => a.startsWith("--environ-of="))?.slice("--environ-of=".length);
const roots = rest.filter((a) => !a.startsWith("--environ-of="));
const self = String(process.pid);
/** cmdline → pid of its first sighting */
const cmdlines = new Map();
/** path → Set of contents (latin1, so bytes survive JSON) */
const files = new Map();
/** pid → environ of the processes whose argv holds the marker */
const environs = new Map();
let procScans = 0;
let fileWalks = 0;
let stopping = false;

process.on("message", (m) => {
  if (m === "stop") stopping = true;
});

/** pid → the scan it was first seen in: young processes are re-read every scan (fork, then exec), old ones less often. */
const born = new Map();
const YOUNG_SCANS = 30;
const FULL_EVERY = 10;

function scanProc() {
  let entries;
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return;
  }
  const alive = new Set();
  const full = procScans % FULL_EVERY === 0;
  for (const pid of entries) {
    if (pid === self || !/^\d+$/.test(pid)) continue;
    alive.add(pid);
    if (!born.has(pid)) born.set(pid, procScans);
    if (!full && procScans - born.get(pid) > YOUNG_SCANS) continue;
    let raw;
    try {
      raw = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1");
    } catch {
      continue; // gone already
    }
    if (raw && !cmdlines.has(raw)) cmdlines.set(raw, Number(pid));
    if (marker && raw.includes(marker) && !environs.has(pid)) {
      try {
        environs.set(pid, {
          argv: raw.split("\0").filter(Boolean),
          environ: fs.readFileSync(`/proc/${pid}/environ`, "latin1"),
        });
      } catch {
        // gone, or not ours to read
      }
    }
  }
  // A pid that went away may come back as another process: young again.
  for (const pid of born.keys()) if (!alive.has(pid)) born.delete(pid);
  procScans++;
}

function walk(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === "pack" && path.basename(dir) === "objects") continue;
      walk(p);
    } else if (e.isFile()) {
      let text;
      try {
        text = fs.readFileSync(p, "latin1");
      } catch {
        continue;
      }
      let seen = files.get(p);
      if (!seen) files.set(p, (seen = new Set()));
      seen.add(text);
    }
  }
}

for (let i = 0; !stopping; i++) {
  scanProc();
  if (i % 20 === 0) {
    for (const r of roots) walk(r);
    fileWalks++;
  }
  // Let the IPC "stop" in.
  await tick();
}
// One last look at the files as they were left.
for (const r of roots) walk(r);
fileWalks++;

fs.writeFileSync(
  resultFile,
  JSON.stringify({
    procScans,
    fileWalks,
    cmdlines: [...cmdlines].map(([cmdline, pid]) => ({ pid, argv: cmdline.split("\0").filter(Boolean) })),
    environs: [...environs].map(([pid, e]) => ({ pid: Number(pid), ...e })),
    files: [...files].map(([file, contents]) => ({ file, contents: [...contents] })),
  }),
);
process.send?.("done", () => process.exit(0));
