// A large synthetic repository for the agent-start benchmark, written with `git fast-import` and cached
// under /tmp/maestro-bench-bigrepo/<params> so reruns reuse it. Shape: `files` files in a 3-level tree
// (about 100 per directory) of source-like text; then `commits` commits, each rewriting a few files of a
// "hot" set with fresh, poorly compressible content, so the packed history reaches about `historyMiB`.
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface BigRepoParams {
  files: number;
  commits: number;
  historyMiB: number;
}

export const BIG_REPO_ROOT = process.env.BENCH_BIGREPO_DIR ?? "/tmp/maestro-bench-bigrepo";

export function bigRepoParams(env: NodeJS.ProcessEnv = process.env): BigRepoParams {
  const num = (name: string, def: number) => {
    const v = env[name];
    if (v === undefined || v === "") return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`${name} must be a positive integer, got ${JSON.stringify(v)}.`);
    return n;
  };
  return {
    files: num("BENCH_BIGREPO_FILES", 100_000),
    commits: num("BENCH_BIGREPO_COMMITS", 20_000),
    historyMiB: num("BENCH_BIGREPO_MIB", 1024),
  };
}

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

/** Relative path of file number i: a/bNN/cNN/fNNN.txt style, about 100 files per directory. */
export function filePath(i: number): string {
  const leaf = i % 100;
  const mid = Math.floor(i / 100) % 50;
  const top = Math.floor(i / 5000);
  return `src${String(top).padStart(2, "0")}/mod${String(mid).padStart(2, "0")}/file${String(leaf).padStart(3, "0")}.txt`;
}

// Source-like text: lines of identifiers and numbers, compressing about 3x like real code.
const WORDS = (() => {
  const out: string[] = [];
  for (let i = 0; i < 4096; i++) out.push(randomBytes(3 + (i % 7)).toString("hex"));
  return out;
})();

function sourceText(bytes: number): Buffer {
  let s = "";
  while (s.length < bytes) {
    const w = WORDS[Math.floor(Math.random() * WORDS.length)]!;
    const v = WORDS[Math.floor(Math.random() * WORDS.length)]!;
    s += `export const ${w} = compute(${v}, ${Math.floor(Math.random() * 1e6)});\n`;
  }
  return Buffer.from(s.slice(0, bytes));
}

/** The cached bare repository for these parameters, generated first if needed. Its branch is main. */
export async function ensureBigRepo(
  p: BigRepoParams,
  log = (m: string) => console.error(m),
): Promise<string> {
  const dir = path.join(BIG_REPO_ROOT, `f${p.files}-c${p.commits}-m${p.historyMiB}`, "repo.git");
  if (fs.existsSync(path.join(dir, "maestro-bench-complete"))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  git(dir, "init", "--bare", "--quiet", "--initial-branch=main");
  const t0 = Date.now();
  log(`generating ${p.files} files, ${p.commits} commits, ~${p.historyMiB} MiB of history in ${dir} ...`);
  await fastImport(dir, p, log);
  log(
    `fast-import done in ${((Date.now() - t0) / 1000).toFixed(0)} s; repacking with bitmaps (reusing deltas) ...`,
  );
  // One pack with a bitmap, as a hosting server has; --window=0 keeps it from searching new deltas.
  git(dir, "repack", "-a", "-d", "-b", "-q", "--window=0");
  git(dir, "config", "http.receivepack", "false");
  git(dir, "config", "uploadpack.allowFilter", "true");
  fs.writeFileSync(path.join(dir, "maestro-bench-complete"), `${JSON.stringify(p)}\n`);
  log(
    `generated in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${git(dir, "count-objects", "-vH").replace(/\n/g, "; ")}`,
  );
  return dir;
}

async function fastImport(dir: string, p: BigRepoParams, log: (m: string) => void): Promise<void> {
  const child = spawn("git", ["fast-import", "--quiet", "--done", "--depth=10"], {
    cwd: dir,
    env: gitEnv,
    stdio: ["pipe", "inherit", "inherit"],
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}`)),
    );
  });
  const out = child.stdin;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  };
  const write = async (b: Buffer | string) => {
    const buf = typeof b === "string" ? Buffer.from(b) : b;
    pending.push(buf);
    pendingBytes += buf.length;
    if (pendingBytes > 4 * 1024 * 1024) await flush();
  };
  const data = async (b: Buffer) => {
    await write(`data ${b.length}\n`);
    await write(b);
    await write("\n");
  };

  let time = 1_600_000_000;
  const commitHeader = async (msg: string) => {
    time += 600;
    await write(`commit refs/heads/main\ncommitter Bench <bench@example.com> ${time} +0000\n`);
    await data(Buffer.from(`${msg}\n`));
  };

  // Initial tree: ~1.5 KiB of text per file on average.
  await commitHeader("Initial import");
  for (let i = 0; i < p.files; i++) {
    await write(`M 100644 inline ${filePath(i)}\n`);
    await data(sourceText(512 + Math.floor(Math.random() * 2048)));
  }
  const initialPackEstimate = p.files * 600;

  // History: the rest of the target size, spread over the commits, a few hot files per commit.
  const historyBytes = Math.max(0, p.historyMiB * 1024 * 1024 - initialPackEstimate);
  const perCommitPacked = historyBytes / Math.max(1, p.commits - 1);
  const filesPerCommit = 4;
  // base64 of random bytes packs to ~0.76 of its size.
  const rawPerFile = Math.max(64, Math.round(perCommitPacked / 0.76 / filesPerCommit));
  const hot = Math.max(filesPerCommit, Math.min(p.files, Math.round(p.files / 25)));
  const hotStride = Math.max(1, Math.floor(p.files / hot));
  for (let c = 1; c < p.commits; c++) {
    await commitHeader(`Change ${c}`);
    for (let k = 0; k < filesPerCommit; k++) {
      const file = (Math.floor(Math.random() * hot) * hotStride) % p.files;
      await write(`M 100644 inline ${filePath(file)}\n`);
      await data(Buffer.from(randomBytes(Math.ceil((rawPerFile * 3) / 4)).toString("base64")));
    }
    if (c % 2000 === 0) log(`  ${c}/${p.commits} commits`);
  }
  await write("done\n");
  await flush();
  out.end();
  await exited;
}

// `tsx bench/big-repo.ts`: generate (or find) the repo for the env's parameters and print its path.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  console.log(await ensureBigRepo(bigRepoParams()));
}
