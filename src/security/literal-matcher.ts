// Aho–Corasick automaton over UTF-16 code units: finds every occurrence of many literal patterns in one
// pass over the text, so the cost is linear in the text whatever the number and shape of the patterns
// (a loop over patterns, or a regex alternation, re-reads text for each one and each partial match).

const ROOT = 0;
const CODE_UNITS = 0x10000;

export type Span = [start: number, end: number];

export class LiteralMatcher {
  /** Goto edges of the trie, keyed by node * 65536 + code unit. */
  private readonly edges = new Map<number, number>();
  private readonly children: number[][] = [[]];
  private readonly code: number[] = [0];
  private readonly depth: number[] = [0];
  private readonly fail: number[] = [ROOT];
  /** Ids of the patterns spelled by each node. */
  private readonly ids: number[][] = [[]];
  /** Longest pattern that is a suffix of each node's string (0: none). */
  private readonly longest: number[] = [0];
  /** Nearest proper suffix of each node that spells a pattern, or -1. */
  private readonly dict: number[] = [-1];

  /** Patterns are identified by their index; empty ones never match. */
  constructor(patterns: readonly string[]) {
    patterns.forEach((p, id) => {
      if (p.length > 0) this.insert(p, id);
    });
    this.link();
  }

  get isEmpty(): boolean {
    return this.children[ROOT]!.length === 0;
  }

  /** The text ranges covered by at least one pattern, overlapping ranges merged, in order. */
  spans(text: string): Span[] {
    const out: Span[] = [];
    let state = ROOT;
    for (let i = 0; i < text.length; i++) {
      state = this.step(state, text.charCodeAt(i));
      const len = this.longest[state]!;
      if (len > 0) pushMerged(out, i + 1 - len, i + 1);
    }
    return out;
  }

  /** Ids of the patterns that occur in the text. */
  found(text: string): Set<number> {
    const out = new Set<number>();
    const reported = new Set<number>();
    let state = ROOT;
    for (let i = 0; i < text.length; i++) {
      state = this.step(state, text.charCodeAt(i));
      // A node already reported had its whole suffix chain reported too: stop there (keeps this linear).
      for (let n = this.ids[state]!.length > 0 ? state : this.dict[state]!; n >= 0; n = this.dict[n]!) {
        if (reported.has(n)) break;
        reported.add(n);
        for (const id of this.ids[n]!) out.add(id);
      }
    }
    return out;
  }

  private insert(pattern: string, id: number): void {
    let node = ROOT;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      let child = this.edges.get(node * CODE_UNITS + c);
      if (child === undefined) child = this.addNode(node, c);
      node = child;
    }
    this.ids[node]!.push(id);
  }

  private addNode(parent: number, c: number): number {
    const node = this.depth.length;
    this.edges.set(parent * CODE_UNITS + c, node);
    this.children[parent]!.push(node);
    this.children.push([]);
    this.code.push(c);
    this.depth.push(this.depth[parent]! + 1);
    this.fail.push(ROOT);
    this.ids.push([]);
    this.longest.push(0);
    this.dict.push(-1);
    return node;
  }

  /** Failure links in breadth-first order, so every shallower node is linked before it is followed. */
  private link(): void {
    const queue = [ROOT];
    for (let q = 0; q < queue.length; q++) {
      const parent = queue[q]!;
      for (const node of this.children[parent]!) {
        const f = parent === ROOT ? ROOT : this.step(this.fail[parent]!, this.code[node]!);
        this.fail[node] = f;
        this.dict[node] = this.ids[f]!.length > 0 ? f : this.dict[f]!;
        this.longest[node] = this.ids[node]!.length > 0 ? this.depth[node]! : this.longest[f]!;
        queue.push(node);
      }
    }
  }

  private step(state: number, c: number): number {
    for (let s = state; ; s = this.fail[s]!) {
      const next = this.edges.get(s * CODE_UNITS + c);
      if (next !== undefined) return next;
      if (s === ROOT) return ROOT;
    }
  }
}

/** Adds [start, end) to spans sorted by end, merging every span it overlaps. */
function pushMerged(spans: Span[], start: number, end: number): void {
  let s = start;
  for (let top = spans.at(-1); top !== undefined && s < top[1]; top = spans.at(-1)) {
    s = Math.min(s, top[0]);
    spans.pop();
  }
  spans.push([s, end]);
}
