// What one command did: the reply text (if any) and whether it was accepted.
export interface Outcome {
  feedback: "accepted" | "refused";
  reply?: string;
  /** For metrics when it differs from feedback (a bad command line is "invalid"). */
  kind?: "invalid";
  /** A queued run's status comment, posted after the webhook is answered. */
  statusComment?: { runId: string; body: string };
  /** Final texts for existing status comments (a run cancelled before it started), after the answer. */
  statusUpdates?: Array<{ runId: string; body: string }>;
}

export const accepted = (reply?: string): Outcome =>
  reply === undefined ? { feedback: "accepted" } : { feedback: "accepted", reply };
export const refused = (reply: string): Outcome => ({ feedback: "refused", reply });
