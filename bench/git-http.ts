// Git's smart HTTP protocol on loopback: `git http-backend` (CGI) behind a tiny node server, as a
// hosting service serves clones and fetches. Read-only; repositories under `projectRoot`.
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface GitHttpServer {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

export async function startGitHttpServer(projectRoot: string): Promise<GitHttpServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      REMOTE_USER: "bench",
    };
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
    if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
    const cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "inherit"] });
    req.pipe(cgi.stdin);
    cgi.stdin.on("error", () => undefined);

    // CGI output: headers, a blank line, then the body, streamed as it comes.
    let head = Buffer.alloc(0);
    let inBody = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (inBody) {
        if (!res.write(chunk)) {
          cgi.stdout.pause();
          res.once("drain", () => cgi.stdout.resume());
        }
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf("\r\n\r\n");
      let sep = 4;
      if (end < 0) {
        end = head.indexOf("\n\n");
        sep = 2;
      }
      if (end < 0) return;
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      inBody = true;
      const rest = head.subarray(end + sep);
      if (rest.length > 0) res.write(rest);
    });
    cgi.on("close", () => {
      if (!inBody) res.writeHead(502);
      res.end();
    });
    res.on("close", () => {
      if (cgi.exitCode === null) cgi.kill();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
