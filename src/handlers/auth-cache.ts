// What a command from an outsider costs. Anyone can comment on a public repository, so a command Maestro
// refuses must not be a way to spend the installation's REST quota, which runs need.
//
// "At most one call", as counted here: the REST calls made to *decide* that an outsider may not trigger
// Maestro, i.e. reading `.github/maestro.yml` (allowUsers, denyUsers, minimum) and looking up the
// sender's permission. Not counted: what DESIGN §4 requires of a refusal, a reply and a 😕 (2 writes),
// and those at most once per sender and repository in 10 minutes (src/queue/refusal-replies.ts); later
// refusals are silent. Before this, each refused command cost both reads (2 calls, 3 when the repository
// has no `.github/maestro.yml`, as Probot then also asks the owner's `.github` repository).
// Now an outsider's command costs at most one of them, once the repository's config is in this cache:
// - the permission lookup is skipped when the payload shows the sender cannot have write access
//   (authorize.ts, `ruledOutByAssociation`), or when a refusal for this installation, repository and
//   user was looked up in the last minute;
// - the config is read at most once a minute per repository for refusals: a config read in the last
//   minute that refuses the sender decides without a call.
// So a stream of commands from one outsider costs nothing after the first (which costs the config read,
// plus the permission lookup in an organization's repository); each new outsider costs at most the
// lookup. Cached answers only ever refuse: a cached permission that would pass, or a cached config that
// would let the sender in, is looked up again, so a grant, a new denyUsers entry or a revoked permission
// is never late; a permission or allowUsers entry just granted may be refused for up to a minute.
import type { PermissionLevel, RepoConfig } from "../config/repo-config.js";
import type { AppDeps } from "./deps.js";
import type { Trigger } from "./trigger.js";

/** How long answers are kept. */
export const AUTH_CACHE_TTL_MS = 60_000;
/** Entries kept per cache: bounded memory whatever the number of senders. */
export const AUTH_CACHE_MAX_ENTRIES = 10_000;

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly ttlMs = AUTH_CACHE_TTL_MS,
    private readonly maxEntries = AUTH_CACHE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now() - e.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    // Oldest first (insertion order): drop the oldest when full.
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface AuthCaches {
  /** Permission answers per installation/repository/user. */
  permission: TtlCache<PermissionLevel>;
  /** The valid repo config last read per installation/repository, for refusals only. */
  config: TtlCache<RepoConfig>;
}

export function createAuthCaches(opts: { ttlMs?: number; now?: () => number } = {}): AuthCaches {
  const ttl = opts.ttlMs ?? AUTH_CACHE_TTL_MS;
  return {
    permission: new TtlCache<PermissionLevel>(ttl, AUTH_CACHE_MAX_ENTRIES, opts.now),
    config: new TtlCache<RepoConfig>(ttl, AUTH_CACHE_MAX_ENTRIES, opts.now),
  };
}

const perApp = new WeakMap<AppDeps, AuthCaches>();

/** The app's caches: deps.authCaches, or one set per app (createApp makes one deps object per app). */
export function authCaches(deps: AppDeps): AuthCaches {
  if (deps.authCaches) return deps.authCaches;
  let caches = perApp.get(deps);
  if (!caches) {
    caches = createAuthCaches();
    perApp.set(deps, caches);
  }
  return caches;
}

/** GitHub logins and repository names are case-insensitive. */
export function repoCacheKey(t: Pick<Trigger, "installationId" | "owner" | "repo">): string {
  return `${t.installationId}/${t.owner}/${t.repo}`.toLowerCase();
}

export function permissionCacheKey(t: Pick<Trigger, "installationId" | "owner" | "repo" | "sender">): string {
  return `${repoCacheKey(t)}/${t.sender.login.toLowerCase()}`;
}
