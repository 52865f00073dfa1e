// `maestro setup` (DESIGN §9): registers the GitHub App from app.yml through GitHub's manifest flow.
//
// A local page (GET /) shows what will be registered and asks for the owner (personal account or an
// organization) and the app's name; POST /register hands the browser a form that POSTs the manifest to
// GitHub's "new app" page with a random state; GitHub sends the browser back to GET /callback?code&state; the
// code is exchanged (POST /app-manifests/{code}/conversions) for the app's id, key and secrets, which are
// written to ./.env and ./<slug>.<id>.private-key.pem (both mode 0600; the key is never printed). A code that
// expired or was used already gets an error page and the server waits for another try; success ends it.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadEnvConfig } from "../../config/env.js";
import { ConversionError, convertManifestCode } from "../../setup/conversion.js";
import { assertEnvWritable, CREDENTIAL_VARS, writeCredentials } from "../../setup/env-file.js";
import {
  appNameProblem,
  buildManifest,
  githubTarget,
  orgProblem,
  readAppDefinition,
  registerUrl,
  type AppDefinition,
  type GitHubTarget,
} from "../../setup/manifest.js";
import { contentSecurityPolicy, errorPage, handOffPage, startPage, successPage } from "../../setup/pages.js";
import { loadDotEnv } from "../dotenv.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { CliIO } from "./run.js";

export interface SetupFlags {
  port?: string;
  webhookUrl?: string;
  org?: string;
  name?: string;
  force?: boolean;
}

const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";
const LOOPBACK_HOST_HEADER = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;
const ANY_HOST_HEADER = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;
const MAX_FORM_BYTES = 16 * 1024;

export async function setupCommand(flags: SetupFlags, io: CliIO): Promise<number> {
  // .env may already name GHE_HOST or MAESTRO_PUBLIC_URL; the shell's own values win.
  let env: NodeJS.ProcessEnv;
  try {
    env = loadDotEnv(io.cwd, io.env).env;
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const target = resolveTarget(env);
  const webhookUrl = resolveWebhookUrl(flags.webhookUrl, env);
  let app: AppDefinition;
  try {
    app = readAppDefinition();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const defaultName = (flags.name ?? app.name).trim();
  const nameProblem = appNameProblem(defaultName);
  if (nameProblem) throw new CliError(`--name: ${nameProblem}`);
  const defaultOrg = flags.org?.trim() || undefined;
  if (defaultOrg && orgProblem(defaultOrg)) throw new CliError(`--org: ${orgProblem(defaultOrg)}`);
  const force = Boolean(flags.force);
  try {
    // Before anything is registered on GitHub: an app whose credentials cannot be written is lost.
    assertEnvWritable(io.cwd, force);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const port = parsePort(flags.port ?? value(env, "PORT") ?? "3000");
  const bindHost = value(env, "HOST") ?? "127.0.0.1";
  const loopbackOnly = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/i.test(bindHost);

  if (target.host === "github.com" && isLoopbackUrl(webhookUrl))
    io.stderr.write(
      `maestro setup: warning: github.com cannot reach ${webhookUrl}; webhooks will not arrive until the app's ` +
        "webhook URL is one GitHub can reach (a smee.io channel, or the public address of maestro serve).\n",
    );

  const states = new Set<string>();
  let converting = false;
  /** This server's address, as printed (set once it listens). */
  let url = "";
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const csp = contentSecurityPolicy(target);

  const send = (res: ServerResponse, status: number, html: string) => {
    res
      .writeHead(status, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": csp,
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
      })
      .end(html);
  };
  const start = (res: ServerResponse, status: number, error?: string, name = defaultName, org = defaultOrg) =>
    send(
      res,
      status,
      startPage({
        target,
        app,
        webhookUrl,
        name,
        ...(org ? { org } : {}),
        dir: io.cwd,
        ...(error ? { error } : {}),
      }),
    );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostHeader = req.headers.host ?? "";
    // A page on another site must not drive this server through DNS rebinding: only loopback names, unless HOST
    // made it listen elsewhere on purpose.
    if (!(loopbackOnly ? LOOPBACK_HOST_HEADER : ANY_HOST_HEADER).test(hostHeader)) {
      send(res, 421, errorPage("Wrong address", `Open this page at ${url}/ instead.`, false));
      return;
    }
    const u = new URL(req.url ?? "/", `http://${hostHeader}`);
    const route = `${req.method} ${u.pathname}`;
    if (route === "GET /" || route === "HEAD /") return start(res, 200);
    if (route === "POST /register") {
      const form = await readForm(req);
      if (!form) return start(res, 413, "The form was too large.");
      const name = (form.get("name") ?? "").trim();
      const org = form.get("owner") === "org" ? (form.get("org") ?? "").trim() : "";
      const problem =
        appNameProblem(name) ??
        (form.get("owner") === "org" && org === "" ? "Name the organization." : undefined) ??
        (org ? orgProblem(org) : undefined);
      if (problem) return start(res, 400, problem, name, org || undefined);
      const state = randomBytes(16).toString("hex");
      states.add(state);
      const manifest = buildManifest(app, {
        name,
        webhookUrl,
        redirectUrl: `http://${hostHeader}/callback`,
      });
      send(res, 200, handOffPage(registerUrl(target, state, org || undefined), manifest, target));
      return;
    }
    if (route === "GET /callback") {
      const code = u.searchParams.get("code") ?? "";
      const state = u.searchParams.get("state") ?? "";
      if (!states.has(state))
        return send(
          res,
          400,
          errorPage(
            "Not from this setup page",
            "This link does not carry the state of a registration started here (it came from elsewhere, or setup was restarted). Start again and click Register.",
          ),
        );
      if (code === "" || !/^[A-Za-z0-9_-]{1,200}$/.test(code))
        return send(res, 400, errorPage("No code", "GitHub's answer carries no usable code. Start again."));
      if (converting)
        return send(res, 409, errorPage("Busy", "Another registration is being completed; wait a moment."));
      converting = true;
      try {
        const registered = await convertManifestCode(target.apiUrl, code);
        const extra: Record<string, string> = target.gheHost
          ? { GHE_HOST: target.gheHost, GHE_PROTOCOL: target.gheProtocol ?? "https" }
          : {};
        let written;
        try {
          written = writeCredentials(io.cwd, registered, { force, extra });
        } catch (err) {
          io.stderr.write(
            `maestro setup: GitHub App ${registered.slug} (id ${registered.id}) was created, but its credentials could not be written: ${(err as Error).message}\n` +
              `Delete the app at ${registered.htmlUrl} (Advanced → Delete) and run maestro setup again.\n`,
          );
          send(
            res,
            500,
            errorPage(
              "Credentials not written",
              `The app was created on GitHub, but writing its credentials failed: ${(err as Error).message}. Delete it at ${registered.htmlUrl} and run maestro setup again.`,
              false,
            ),
          );
          finish(EXIT.RUN_FAILED);
          return;
        }
        const installUrl = `${registered.htmlUrl.replace(/\/+$/, "")}/installations/new`;
        await new Promise<void>((resolve) => {
          res.once("finish", resolve);
          res.once("close", resolve);
          send(
            res,
            200,
            successPage({
              appName: registered.name,
              htmlUrl: registered.htmlUrl,
              installUrl,
              envFile: written.envFile,
              keyFile: written.keyFile,
            }),
          );
        });
        const shellOverrides = CREDENTIAL_VARS.filter((n) => value(io.env, n) !== undefined);
        io.stdout.write(
          [
            `maestro setup: registered the GitHub App "${registered.name}" (id ${registered.id}, ${registered.htmlUrl})`,
            `  wrote ${written.envFile} (${written.variables.join(", ")})${written.movedAside ? `: ${written.movedAside} gained app credentials meanwhile and was left alone; move these lines there yourself` : ""}`,
            `  wrote ${written.keyFile} (the private key, mode 0600)`,
            "  keep both out of version control.",
            ...(shellOverrides.length > 0
              ? [
                  `  note: this shell sets ${shellOverrides.join(", ")}, which win over .env: unset them before maestro serve.`,
                ]
              : []),
            "Next:",
            `  1. install the app on the repositories Maestro may work on: ${installUrl}`,
            `  2. in ${io.cwd}, start maestro serve (it reads .env; it needs Redis, REDIS_URL)`,
            "  3. on an issue of an installed repository, comment: /maestro run <playbook>",
            "",
          ].join("\n"),
        );
        finish(EXIT.OK);
      } catch (err) {
        const message = err instanceof ConversionError ? err.message : `Unexpected error: ${String(err)}`;
        io.stderr.write(`maestro setup: ${message} (still waiting at ${url}/)\n`);
        send(
          res,
          err instanceof ConversionError && err.kind === "expired" ? 410 : 502,
          errorPage("The app was not created", message),
        );
      } finally {
        converting = false;
      }
      return;
    }
    send(res, 404, errorPage("Not found", `Nothing at ${u.pathname}.`));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      io.stderr.write(`maestro setup: ${String(err)}\n`);
      if (!res.headersSent)
        send(res, 500, errorPage("Error", "Something failed in maestro setup; see its output."));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          err.code === "EADDRINUSE"
            ? `port ${port} is in use: pass --port (0 picks a free one) or set PORT.`
            : `cannot listen on ${bindHost}:${port}: ${err.message}`,
          EXIT.UNAVAILABLE,
        ),
      ),
    );
    server.listen(port, bindHost, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = loopbackOnly
    ? "127.0.0.1"
    : addr.family === "IPv6"
      ? `[${addr.address === "::" ? "::1" : addr.address}]`
      : addr.address === "0.0.0.0"
        ? "127.0.0.1"
        : addr.address;
  url = `http://${shownHost}:${addr.port}`;
  io.stdout.write(
    `maestro setup: open ${url}/ in a browser to register the GitHub App on ${target.host}\n` +
      `  webhooks will go to ${webhookUrl}\n` +
      `  credentials will be written to ${io.cwd}/.env (Ctrl-C stops)\n`,
  );

  const onAbort = () => finish(EXIT.RUN_FAILED);
  if (io.signal?.aborted) onAbort();
  io.signal?.addEventListener("abort", onAbort, { once: true });
  const code = await finished;
  io.signal?.removeEventListener("abort", onAbort);
  if (code !== EXIT.OK && io.signal?.aborted)
    io.stderr.write("maestro setup: stopped; no app was registered by this run.\n");
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return code;
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

function resolveTarget(env: NodeJS.ProcessEnv): GitHubTarget {
  try {
    // The same checks and defaults serve applies to these variables.
    const cfg = loadEnvConfig({ GHE_HOST: env.GHE_HOST, GHE_PROTOCOL: env.GHE_PROTOCOL });
    return githubTarget(cfg.gheHost, cfg.gheProtocol);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

function resolveWebhookUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  let candidate = flag?.trim();
  if (!candidate) {
    let publicUrl: string | undefined;
    try {
      publicUrl = loadEnvConfig({ MAESTRO_PUBLIC_URL: env.MAESTRO_PUBLIC_URL }).publicUrl;
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    if (!publicUrl)
      throw new CliError(
        "GitHub needs a webhook URL it can reach for the app. Pass --webhook-url URL: a smee.io channel " +
          "(https://smee.io/new, forwarded to maestro serve by smee-client) or the public address where maestro serve " +
          `will run, ending in ${DEFAULT_WEBHOOK_PATH}; or set MAESTRO_PUBLIC_URL to that address (the path is added).`,
      );
    candidate = `${publicUrl}${value(env, "WEBHOOK_PATH") ?? DEFAULT_WEBHOOK_PATH}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    throw new CliError(`--webhook-url must be an http:// or https:// URL, got ${JSON.stringify(candidate)}.`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new CliError(`--webhook-url must be an http:// or https:// URL, got ${JSON.stringify(candidate)}.`);
  if (parsed.username || parsed.password)
    throw new CliError("--webhook-url must not carry a user name or password.");
  return parsed.toString();
}

function isLoopbackUrl(u: string): boolean {
  const h = new URL(u).hostname;
  return h === "localhost" || h === "[::1]" || /^127\./.test(h) || h === "0.0.0.0";
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be a port number (0-65535), got "${text}".`);
  return port;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
