// Writes to a run's status comment after it was queued (the worker's progress and outcome, a cancel's
// note). The webhook handler posts the comment after GitHub has its answer, so a worker may start the
// run first: it then either creates the comment itself (no one has claimed it) or, while the handler's
// post is under way, skips progress and waits for the comment before a final text. A claim whose
// poster died lapses, and the writer takes over.
import type { Octokit } from "./octokit.js";
import { upsertStatusComment } from "./status-comment.js";
import type { Store } from "../queue/connection.js";
import {
  claimStatusComment,
  readStatusComment,
  releaseStatusComment,
  saveStatusCommentId,
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
  ) {}

  get id(): number | undefined {
    return this.target.commentId;
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
        if (!(await claimStatusComment(this.store, this.target.runId))) continue;
        try {
          // Searches for the marker first: a poster that died after its POST may have left the comment.
          const r = await upsertStatusComment(this.octokit, { ...this.target, body });
          this.target.commentId = r.id;
          await saveStatusCommentId(this.store, this.target.runId, r.id);
          return r.id;
        } catch (err) {
          await releaseStatusComment(this.store, this.target.runId).catch(() => undefined);
          throw err;
        }
      }
      if (!final) return null;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(this.pollMs, ref.ttlMs))));
    }
  }
}
