// What one command did: the reply text (if any) and whether it was accepted.
export interface Outcome {
  feedback: "accepted" | "refused";
  reply?: string;
  /** For metrics when it differs from feedback (a bad command line is "invalid"). */
  kind?: "invalid";
}

export const accepted = (reply?: string): Outcome =>
  reply === undefined ? { feedback: "accepted" } : { feedback: "accepted", reply };
export const refused = (reply: string): Outcome => ({ feedback: "refused", reply });
