// Git smart HTTP for /{owner}/{repo}.git, served by `git http-backend` as a CGI program (the same
// protocol GitHub speaks). The caller has already checked the credentials.
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GIT_ENV } from "./git.js";

/** `/{owner}/{repo}.git/...` split up, or null when the path is not a git one. */
export function parseGitPath(pathname: string): { owner: string; repo: string; rest: string } | null {
  const m = /^\/([^/]+)\/([^/]+?)\.git(\/.*)?$/.exec(pathname);
  if (!m) return null;
  return { owner: decodeURIComponent(m[1]!), repo: decodeURIComponent(m[2]!), rest: m[3] ?? "/" };
}

/** `upload-pack` (fetch/clone) or `receive-pack` (push), from the path or the info/refs query. */
export function gitService(rest: string, query: URLSearchParams): "upload-pack" | "receive-pack" | null {
  const s = rest === "/info/refs" ? query.get("service") : /^\/(git-[a-z-]+)$/.exec(rest)?.[1];
  if (s === "git-upload-pack") return "upload-pack";
  if (s === "git-receive-pack") return "receive-pack";
  return null;
}

/**
 * Runs `git http-backend` for one request. `projectRoot` holds `<owner>/<repo>.git`; `pathInfo` is
 * `/<owner>/<repo>.git/...` as on disk. Resolves once the response is sent.
 */
export async function serveGit(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { projectRoot: string; pathInfo: string; query: string; body: Buffer; remoteUser: string },
): Promise<{ status: number }> {
  const env: Record<string, string> = {
    ...GIT_ENV,
    GIT_PROJECT_ROOT: opts.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: opts.pathInfo,
    QUERY_STRING: opts.query,
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: String(req.headers["content-type"] ?? ""),
    CONTENT_LENGTH: String(opts.body.length),
    REMOTE_USER: opts.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
  };
  const encoding = req.headers["content-encoding"];
  if (typeof encoding === "string") env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string") {
    env.HTTP_GIT_PROTOCOL = protocol;
    env.GIT_PROTOCOL = protocol;
  }
  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => undefined);
  child.stdin.end(opts.body);
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));

  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    let status = 200;
    let headersSent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const text = head.toString("latin1");
      const crlf = text.indexOf("\r\n\r\n");
      const lf = text.indexOf("\n\n");
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) return;
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, end).split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i <= 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      const rest = head.subarray(end);
      if (rest.length > 0) res.write(rest);
    });
    child.on("close", (code) => {
      if (!headersSent) {
        status = 500;
        res
          .writeHead(500, { "content-type": "text/plain" })
          .end(`git http-backend failed (${code}): ${stderr}`);
      } else res.end();
      resolve({ status });
    });
  });
}
