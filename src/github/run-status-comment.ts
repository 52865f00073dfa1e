// A run's status comment: its creation after the run was queued, and every later text (the worker's
// progress and outcome, a cancel's note). The webhook handler posts the comment after GitHub has its
// answer, so a worker may start the run first: it then either creates the comment itself (no one has
// claimed it) or, while the handler's post is under way, skips progress and waits for the comment
// before a final text. A claim whose poster died lapses, and the writer takes over.
import type { Octokit } from "./octokit.js";
import { createCommentOnce } from "./comment-once.js";
import { statusMarker, upsertStatusComment } from "./status-comment.js";
import type { Store } from "../queue/connection.js";
import {
  claimStatusComment,
  readStatusComment,
  releaseStatusComment,
  renewStatusClaim,
  saveStatusCommentId,
  STATUS_CLAIM_TTL_MS,
} from "../queue/status-comment-ref.js";

export interface StatusTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  runId: string;
  commentId?: number;
}

export class RunStatusComment {
  constructor(
    private readonly octokit: Octokit,
    private readonly store: Store,
    private readonly target: StatusTarget,
    private readonly pollMs = 500,
    private readonly claimTtlMs = STATUS_CLAIM_TTL_MS,
  ) {}

  /** Claims the comment and runs `post` while renewing the claim; false when another process holds it. */
  private async whileClaimed<T>(post: () => Promise<T>): Promise<T | false> {
    const { runId } = this.target;
    if (!(await claimStatusComment(this.store, runId, this.claimTtlMs))) return false;
    const renew = setInterval(
      () => void renewStatusClaim(this.store, runId, this.claimTtlMs).catch(() => undefined),
      Math.max(10, Math.floor(this.claimTtlMs / 3)),
    );
    try {
      return await post();
    } catch (err) {
      // Given back, so another process creates the comment without waiting for the claim to lapse.
      await releaseStatusComment(this.store, runId).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * The queued run's first text, posted once by whoever claims the comment first; false when another
   * process (a worker that picked the run up already) has it. A fresh run has no comment to search for.
   */
  async createIfUnclaimed(body: string): Promise<boolean> {
    const { runId } = this.target;
    const marker = statusMarker(runId);
    const created = await this.whileClaimed(async () => {
      const r = await createCommentOnce(this.octokit, {
        owner: this.target.owner,
        repo: this.target.repo,
        issueNumber: this.target.issueNumber,
        body: body.includes(marker) ? body : `${marker}\n${body}`,
        marker,
      });
      this.target.commentId = r.id;
      await saveStatusCommentId(this.store, runId, r.id);
      return true;
    });
    return created !== false;
  }

  /**
   * Writes the text. Returns the comment id, or null when a progress text was skipped because the
   * comment is still being posted by the handler. A final text always lands (or throws).
   */
  async write(body: string, final: boolean): Promise<number | null> {
    for (;;) {
      if (this.target.commentId !== undefined) {
        await upsertStatusComment(this.octokit, { ...this.target, body });
        return this.target.commentId;
      }
      const ref = await readStatusComment(this.store, this.target.runId);
      if (ref.kind === "posted") {
        this.target.commentId = ref.id;
        continue;
      }
      if (ref.kind === "none") {
        const id = await this.whileClaimed(async () => {
          // Searches for the marker first: a poster that died after its POST may have left the comment.
          const r = await upsertStatusComment(this.octokit, { ...this.target, body });
          this.target.commentId = r.id;
          await saveStatusCommentId(this.store, this.target.runId, r.id);
          return r.id;
        });
        if (id === false) continue;
        return id;
      }
      if (!final) return null;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(this.pollMs, ref.ttlMs))));
    }
  }
}
