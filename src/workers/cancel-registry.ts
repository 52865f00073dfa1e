// One cancel subscription per worker process, fanned out to the runs it is working on.
import { isCancelRequested, subscribeCancels } from "../queue/cancel.js";
import type { Store } from "../queue/connection.js";

export class CancelRegistry {
  private readonly runs = new Map<string, AbortController>();
  private unsubscribe: Promise<() => Promise<void>> | null = null;

  constructor(private readonly store: Store) {}

  /**
   * A signal aborted when a cancel of runId is requested (now or already before). Subscribes
   * first, then reads the cancel key, so a request between the two is not missed.
   */
  async watch(runId: string): Promise<AbortSignal> {
    this.unsubscribe ??= subscribeCancels(this.store, (id) =>
      this.runs.get(id)?.abort(new Error("cancelled")),
    );
    await this.unsubscribe;
    const ctl = new AbortController();
    this.runs.set(runId, ctl);
    if (await isCancelRequested(this.store, runId)) ctl.abort(new Error("cancelled"));
    return ctl.signal;
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }

  async close(): Promise<void> {
    const p = this.unsubscribe;
    this.unsubscribe = null;
    if (p) await (await p)();
  }
}
