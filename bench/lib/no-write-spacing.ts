// A prototype for the intake benchmark, preloaded into `maestro serve` with --import: Octokit's
// throttling plugin spaces write requests (POST/PATCH/PUT/DELETE) of one installation at least 1 s
// apart in each process, and those that notify people (comments, PRs…) 3 s apart. This removes that
// spacing (the Bottleneck groups "octokit-write" and "octokit-notifications" get minTime 0), leaving the rest of the plugin (rate-limit and secondary-limit handling) as it is,
// to measure what the spacing costs the webhook path. Not for production.
import { createRequire } from "node:module";

type GroupOptions = Record<string, unknown> & { id?: string };
type GroupClass = new (opts?: GroupOptions) => object;

// Maestro's own write spacing, shared through Redis (src/github/write-limiter.ts), replaces those two
// groups unless it is off: turn it off, or this preload would remove nothing.
process.env.MAESTRO_SHARED_WRITE_LIMIT = "0";

const require = createRequire(import.meta.url);
const bottleneck = require("bottleneck/light.js") as { Group: GroupClass };
const Original = bottleneck.Group;
bottleneck.Group = class extends Original {
  constructor(opts: GroupOptions = {}) {
    const spaced = opts.id === "octokit-write" || opts.id === "octokit-notifications";
    super(spaced ? { ...opts, minTime: 0 } : opts);
    if (spaced) process.stderr.write(`no-write-spacing: ${opts.id} minTime 0\n`);
  }
};
