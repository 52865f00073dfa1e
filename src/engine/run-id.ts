import { randomBytes } from "node:crypto";

// 16 hex chars after a letter: never all digits and no ':' (BullMQ job-id rules), short enough for branch names.
export function newRunId(): string {
  return `r${randomBytes(8).toString("hex")}`;
}
