// Edits the run's one status comment as the run progresses. Edits are coalesced (the latest text
// wins) and spaced out, and a failed progress edit never fails the run; only the final edit counts.
import type { WorkerLog } from "./deps.js";
import type { RunStatusComment } from "../github/run-status-comment.js";

export class StatusUpdater {
  private pending: string | null = null;
  private inFlight: Promise<void> | null = null;
  private lastEdit = 0;
  private closed = false;

  constructor(
    private readonly comment: Pick<RunStatusComment, "write">,
    private readonly runId: string,
    private readonly minIntervalMs: number,
    private readonly log: WorkerLog,
    /** Shared across the runs of one installation (see EditSpacing). */
    private readonly spacing?: { wait(): Promise<void> },
  ) {}

  /** Queue a progress edit; only the newest queued text is sent. */
  progress(body: string): void {
    if (this.closed) return;
    this.pending = body;
    this.inFlight ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== null && !this.closed) {
        const wait = this.lastEdit + this.minIntervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await this.spacing?.wait();
        const body = this.pending;
        this.pending = null;
        if (body === null || this.closed) break;
        try {
          if (!(await this.progressEdit(body))) {
            // The handler is still posting the comment: keep the text (unless newer came) and try again.
            this.pending ??= body;
            await new Promise((r) => setTimeout(r, this.minIntervalMs));
          }
        } catch (err) {
          this.log.warn({ err: String(err), runId: this.runId }, "status comment progress edit failed");
        }
      }
    } finally {
      this.inFlight = null;
    }
  }

  private async progressEdit(body: string): Promise<boolean> {
    const id = await this.comment.write(body, false);
    if (id === null) return false;
    this.lastEdit = Date.now();
    return true;
  }

  /** Drop queued progress, wait for an edit in flight, then write the final text (errors propagate). */
  async finish(body: string): Promise<number> {
    this.closed = true;
    this.pending = null;
    await this.inFlight;
    // A final write never returns null: it waits for the comment.
    return (await this.comment.write(body, true))!;
  }
}
