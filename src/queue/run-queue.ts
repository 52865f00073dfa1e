// The BullMQ queue of runs, bound to a prefix.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { RunQueue } from "./enqueue.js";
import { QUEUE_NAME } from "./names.js";

export function createRunQueue(connection: Redis, prefix: string): RunQueue {
  return new Queue(QUEUE_NAME, { connection, prefix }) as RunQueue;
}
