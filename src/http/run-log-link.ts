// Signed, expiring links to a run log (DESIGN §7): GET /maestro/runs/<runId>.jsonl?exp=<unix s>&sig=<hex>.
// sig = HMAC-SHA256(MAESTRO_LOG_SIGNING_KEY, "<runId>.<exp>"): a link names one run and dies at exp.
// The live run page (GET /maestro/runs/<runId>) and its event stream (GET /maestro/runs/<runId>/events) take the
// same exp and sig: a signature opens everything about its one run (log, page, stream all show the same events),
// so the page builds its stream's URL from its own query and no second signature is handed out.
import { createHmac, timingSafeEqual } from "node:crypto";

export const RUN_LOG_ROUTE = /^\/maestro\/runs\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.jsonl$/;
/** The live run page (group 2 empty) and its server-sent event stream (group 2 "/events"). */
export const RUN_PAGE_ROUTE = /^\/maestro\/runs\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})(\/events)?$/;
/** Links in PRs outlive a review cycle but not forever. */
export const RUN_LOG_LINK_TTL_SECONDS = 30 * 24 * 3600;

function signature(key: string, runId: string, exp: number): string {
  return createHmac("sha256", key).update(`${runId}.${exp}`).digest("hex");
}

interface SignOptions {
  publicUrl: string;
  runId: string;
  key: string;
  now?: Date;
  ttlSeconds?: number;
}

function signedLink(opts: SignOptions, suffix: string): string {
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const exp = now + (opts.ttlSeconds ?? RUN_LOG_LINK_TTL_SECONDS);
  const base = opts.publicUrl.replace(/\/+$/, "");
  return `${base}/maestro/runs/${encodeURIComponent(opts.runId)}${suffix}?exp=${exp}&sig=${signature(opts.key, opts.runId, exp)}`;
}

export function signRunLogUrl(opts: SignOptions): string {
  return signedLink(opts, ".jsonl");
}

/** The live run page of a run (its event stream takes the same query). */
export function signRunPageUrl(opts: SignOptions): string {
  return signedLink(opts, "");
}

export type LinkCheck = { ok: true } | { ok: false; status: 403; reason: string };

export function verifyRunLogLink(opts: {
  runId: string;
  exp: string | null;
  sig: string | null;
  key: string;
  now?: Date;
}): LinkCheck {
  if (!opts.exp || !/^\d{1,12}$/.test(opts.exp) || !opts.sig || !/^[0-9a-f]{64}$/.test(opts.sig)) {
    return {
      ok: false,
      status: 403,
      reason: "this link is not signed: use the link from the pull request or status comment",
    };
  }
  const exp = Number(opts.exp);
  const expected = Buffer.from(signature(opts.key, opts.runId, exp), "hex");
  if (!timingSafeEqual(expected, Buffer.from(opts.sig, "hex"))) {
    return { ok: false, status: 403, reason: "the link's signature does not match" };
  }
  if (Math.floor((opts.now ?? new Date()).getTime() / 1000) > exp) {
    return {
      ok: false,
      status: 403,
      reason: "the link has expired: ask Maestro for /maestro status to get a fresh one",
    };
  }
  return { ok: true };
}
