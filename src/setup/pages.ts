// The pages of `maestro setup`'s local server: plain HTML, style and the one script inline, no external asset.
import { createHash } from "node:crypto";
import type { AppDefinition, AppManifest, GitHubTarget } from "./manifest.js";

const STYLE = `:root { color-scheme: light dark; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; } code { font-size: .9em; } .muted { opacity: .75; }
fieldset { border: 1px solid #8884; border-radius: 6px; margin: 1rem 0; padding: .6rem 1rem; }
label { display: block; margin: .35rem 0; } input[type=text] { font: inherit; padding: .2rem .4rem; min-width: 16rem; }
button { font: inherit; font-weight: 600; padding: .45rem 1.1rem; border-radius: 6px; border: 1px solid #1f883d; background: #1f883d; color: #fff; cursor: pointer; }
.error { border-left: 4px solid #cf222e; padding: .4rem .8rem; background: #cf222e14; }
.ok { border-left: 4px solid #1f883d; padding: .4rem .8rem; background: #1f883d14; }
ol li { margin: .3rem 0; }`;

/** Submits the only form of the hand-off page, so one click on the start page reaches GitHub. */
const SUBMIT_SCRIPT = `document.getElementById("to-github").submit();`;
const SUBMIT_SCRIPT_HASH = createHash("sha256").update(SUBMIT_SCRIPT).digest("base64");

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The Content-Security-Policy of every page: nothing external; forms go to this server or to GitHub. */
export function contentSecurityPolicy(target: GitHubTarget): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src 'sha256-${SUBMIT_SCRIPT_HASH}'`,
    `form-action 'self' ${target.webUrl}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

export interface StartPageInput {
  target: GitHubTarget;
  app: AppDefinition;
  webhookUrl: string;
  name: string;
  org?: string;
  dir: string;
  error?: string;
}

/** GET /: what will be registered, and the form that starts it (POST /register). */
export function startPage(p: StartPageInput): string {
  const perms = Object.entries(p.app.defaultPermissions)
    .map(([k, v]) => `<code>${escapeHtml(k)}: ${escapeHtml(v)}</code>`)
    .join(", ");
  const events = p.app.defaultEvents.map((e) => `<code>${escapeHtml(e)}</code>`).join(", ");
  const org = p.org ?? "";
  return page(
    "Register Maestro as a GitHub App",
    `<h1>Register Maestro as a GitHub App</h1>
${p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : ""}
<p>This creates a private GitHub App on <b>${escapeHtml(p.target.host)}</b> from Maestro's <code>app.yml</code>,
then writes its credentials to <code>${escapeHtml(p.dir)}/.env</code> and its private key to a file beside it
(mode 0600). GitHub will ask you to confirm.</p>
<ul>
<li>Webhooks go to <code>${escapeHtml(p.webhookUrl)}</code> (GitHub must reach it)</li>
<li>Permissions: ${perms}</li>
<li>Events: ${events}</li>
</ul>
<form method="post" action="/register">
<fieldset><legend>Owner of the app</legend>
<label><input type="radio" name="owner" value="personal"${org ? "" : " checked"}> My personal account</label>
<label><input type="radio" name="owner" value="org"${org ? " checked" : ""}> An organization:
<input type="text" name="org" value="${escapeHtml(org)}" placeholder="organization login" autocomplete="off"></label>
</fieldset>
<fieldset><legend>App name</legend>
<label>Name on GitHub (unique there, at most 34 characters):
<input type="text" name="name" value="${escapeHtml(p.name)}" maxlength="34" required></label>
</fieldset>
<button type="submit">Register GitHub App</button>
</form>`,
  );
}

/** POST /register: the manifest form for GitHub, submitted by its script (or by hand without scripts). */
export function handOffPage(action: string, manifest: AppManifest, target: GitHubTarget): string {
  return page(
    "Continue on GitHub",
    `<h1>Continue on GitHub</h1>
<form id="to-github" method="post" action="${escapeHtml(action)}">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}">
<p>Taking you to ${escapeHtml(target.host)} to create <b>${escapeHtml(manifest.name)}</b>…</p>
<button type="submit">Continue to ${escapeHtml(target.host)}</button>
</form>
<script>${SUBMIT_SCRIPT}</script>`,
  );
}

export interface SuccessPageInput {
  appName: string;
  htmlUrl: string;
  installUrl: string;
  envFile: string;
  keyFile: string;
}

export function successPage(p: SuccessPageInput): string {
  return page(
    "GitHub App registered",
    `<h1>GitHub App registered</h1>
<p class="ok"><a href="${escapeHtml(p.htmlUrl)}">${escapeHtml(p.appName)}</a> exists. Its credentials are in
<code>${escapeHtml(p.envFile)}</code>, its private key in <code>${escapeHtml(p.keyFile)}</code> (mode 0600).
Keep both out of version control.</p>
<h2>Next</h2>
<ol>
<li><a href="${escapeHtml(p.installUrl)}">Install the app</a> on the repositories Maestro may work on.</li>
<li>In the same directory, start <code>maestro serve</code> (it reads <code>.env</code>; it needs Redis: <code>REDIS_URL</code>).</li>
<li>On an issue of an installed repository, comment <code>/maestro run &lt;playbook&gt;</code>.</li>
</ol>
<p class="muted">This setup server has stopped; you can close this tab.</p>`,
  );
}

export function errorPage(title: string, message: string, again = true): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
${again ? `<p><a href="/">Start again</a></p>` : ""}`,
  );
}
