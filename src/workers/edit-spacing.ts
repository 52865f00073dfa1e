// Progress edits of status comments share GitHub's write budget with everything else an installation
// does (Octokit's throttling lets one write a second through per installation, and a comment that
// notifies one every three seconds). With several runs of one installation editing their comments,
// replies to new commands would queue behind them; so progress edits of all runs of an installation
// are spaced out together, leaving room for the writes that matter more. Final edits are not spaced.
export class EditSpacing {
  private readonly next = new Map<string, number>();

  constructor(private readonly gapMs: number) {}

  /** Resolves when this key's next progress edit may go. */
  async wait(key: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, at + this.gapMs);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
