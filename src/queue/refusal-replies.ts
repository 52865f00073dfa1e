// Anyone can comment on a public repository, so refusals must not be a way to make Maestro write: a
// sender who may not run Maestro gets one reply per repository in a while, and is then refused in
// silence. Every reply also takes one of the installation's write slots, which Maestro's own status
// comments need.
import type { Store } from "./connection.js";
import { keys, repoKey } from "./keys.js";

export const REFUSAL_REPLY_QUIET_SECONDS = 10 * 60;

/** true: answer this refusal; false: this sender was answered in this repository a moment ago. */
export async function claimRefusalReply(
  store: Store,
  repo: { owner: string; name: string },
  sender: string,
): Promise<boolean> {
  const key = keys.refusalReply(store.prefix, repoKey(repo), sender.toLowerCase());
  return (await store.redis.set(key, "1", "EX", REFUSAL_REPLY_QUIET_SECONDS, "NX")) === "OK";
}
