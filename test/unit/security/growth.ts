// Measures how a function's running time grows with its input, robustly enough for a busy 2-core machine:
// the fastest of a few runs at size n and at size 8n. Linear code gives a ratio near 8, quadratic near 64.

/** Best-of-`runs` time of `fn(input)` in ms; stops early once one run is slow enough to tell. */
function bestTime(fn: (s: string) => unknown, input: string, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(input);
    best = Math.min(best, performance.now() - t0);
    if (best > 1000) break;
  }
  return best;
}

/** Time at 8n divided by time at n, `make(n)` building an input of about n characters. */
export function growthRatio(
  fn: (s: string) => unknown,
  make: (n: number) => string,
  n: number,
  runs = 5,
): number {
  const small = make(n);
  const large = make(8 * n);
  bestTime(fn, small, 2); // warm up the JIT
  const tSmall = bestTime(fn, small, runs);
  const tLarge = bestTime(fn, large, runs);
  return tLarge / Math.max(tSmall, 0.05);
}

/** `piece` repeated to about n characters. */
export const repeated =
  (piece: string) =>
  (n: number): string =>
    piece.repeat(Math.ceil(n / piece.length));

/** Linear is 8; quadratic 64. Generous for timer and GC noise. */
export const MAX_LINEAR_RATIO = 20;
