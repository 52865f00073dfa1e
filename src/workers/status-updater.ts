// Edits the run's one status comment as the run progresses. Edits are coalesced (the latest text
// wins) and spaced out, and a failed progress edit never fails the run; only the final edit counts.
import type { Octokit } from "../github/octokit.js";
import { upsertStatusComment } from "../github/status-comment.js";
import type { WorkerLog } from "./deps.js";

export interface StatusTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  runId: string;
  commentId?: number;
}

export class StatusUpdater {
  private pending: string | null = null;
  private inFlight: Promise<void> | null = null;
  private lastEdit = 0;
  private closed = false;

  constructor(
    private readonly octokit: Octokit,
    private readonly target: StatusTarget,
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
          await this.write(body);
        } catch (err) {
          this.log.warn(
            { err: String(err), runId: this.target.runId },
            "status comment progress edit failed",
          );
        }
      }
    } finally {
      this.inFlight = null;
    }
  }

  private async write(body: string): Promise<void> {
    const r = await upsertStatusComment(this.octokit, { ...this.target, body });
    this.target.commentId = r.id;
    this.lastEdit = Date.now();
  }

  /** Drop queued progress, wait for an edit in flight, then write the final text (errors propagate). */
  async finish(body: string): Promise<number> {
    this.closed = true;
    this.pending = null;
    await this.inFlight;
    await this.write(body);
    return this.target.commentId!;
  }
}
