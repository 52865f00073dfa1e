// One signal for everything that stops a run: the caller's cancel, the run deadline, the cost cap (crossed, or
// not measurable: tokens of a model without a price). The first reason wins and is kept for the run's status.
export type StopReason = "cancelled" | "timeout" | "budget" | "cost_unknown";

export class StopController {
  private readonly controller = new AbortController();
  private why: StopReason | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onExternal: () => void;
  readonly deadline: number;

  constructor(
    private readonly external: AbortSignal | undefined,
    runTimeoutMs: number,
  ) {
    this.deadline = Date.now() + runTimeoutMs;
    this.timer = setTimeout(() => this.stop("timeout"), runTimeoutMs);
    this.timer.unref();
    this.onExternal = () => this.stop("cancelled");
    if (external?.aborted) this.stop("cancelled");
    else external?.addEventListener("abort", this.onExternal, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(reason: StopReason): void {
    if (this.why) return;
    this.why = reason;
    this.controller.abort(reason);
  }

  reason(): StopReason | undefined {
    return this.why;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.external?.removeEventListener("abort", this.onExternal);
  }
}
