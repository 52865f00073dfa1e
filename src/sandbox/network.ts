// The sandbox's only way out (DESIGN §11). The sandbox has its own network namespace with nothing but
// loopback; inside it, socat listens on 127.0.0.1 ports and relays each connection to a unix socket bound
// in from here. Behind the sockets: an HTTP proxy (CONNECT and absolute-form requests) that lets through
// only allowlisted host:port pairs, and direct relays for allowlisted loopback endpoints (a local model
// gateway, the tests' fake APIs), which clients reach without a proxy.
import dns from "node:dns/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import type { Duplex } from "node:stream";
import { allows, isForbiddenAddress, isLoopbackHost, parseAllowEntry, type AllowEntry } from "./allowlist.js";

/** A listener inside the sandbox and the unix socket it relays to. */
export interface PortRelay {
  /** Address inside the sandbox: 127.0.0.1 or ::1. */
  bind: "127.0.0.1" | "::1";
  port: number;
  socket: string;
}

export interface SandboxNetwork {
  /** The proxy's port inside the sandbox (HTTP(S)_PROXY=http://127.0.0.1:PORT). */
  proxyPort: number;
  relays: PortRelay[];
  /** Host:port pairs refused so far (for the run log). */
  denied(): string[];
  close(): Promise<void>;
}

const DEFAULT_PROXY_PORT = 3128;

function listenUnix(server: net.Server, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(file, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Relays every connection on `file` to host:port. */
async function openForward(
  file: string,
  host: string,
  port: number,
  sockets: Set<Duplex>,
): Promise<net.Server> {
  const server = net.createServer((inbound) => {
    sockets.add(inbound);
    const outbound = net.connect({ host, port });
    sockets.add(outbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on("error", drop).on("close", drop);
    outbound.on("error", drop).on("close", drop);
    inbound.pipe(outbound).pipe(inbound);
  });
  await listenUnix(server, file);
  return server;
}

/** Resolves `host` to an address Maestro may connect to, or explains why not. */
async function resolveAllowed(host: string): Promise<{ address?: string; refusal?: string }> {
  if (net.isIP(host)) {
    return isForbiddenAddress(host) && !isLoopbackHost(host)
      ? { refusal: `${host} is a link-local or unspecified address` }
      : { address: host };
  }
  try {
    const { address } = await dns.lookup(host);
    if (isForbiddenAddress(address) && !isLoopbackHost(host)) {
      return { refusal: `${host} resolves to ${address}, an address the sandbox never reaches by name` };
    }
    return { address };
  } catch (err) {
    return { refusal: `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? "error"})` };
  }
}

function refusalText(target: string, why: string): string {
  return (
    `maestro sandbox: ${target} is not reachable from the sandbox (${why}). ` +
    "The operator can allow it with MAESTRO_SANDBOX_ALLOW_HOSTS.\n"
  );
}

function createProxy(entries: AllowEntry[], denied: Set<string>, sockets: Set<Duplex>): http.Server {
  const check = async (host: string, port: number): Promise<{ address?: string; refusal?: string }> => {
    if (!allows(entries, host, port)) {
      denied.add(`${host}:${port}`);
      return { refusal: "not in the network allowlist" };
    }
    const r = await resolveAllowed(host);
    if (r.refusal) denied.add(`${host}:${port}`);
    return r;
  };
  const server = http.createServer(async (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("maestro sandbox proxy: absolute URL or CONNECT expected\n");
      return;
    }
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const r = await check(host, port);
    if (!r.address) {
      res.writeHead(403, { "content-type": "text/plain" }).end(refusalText(`${host}:${port}`, r.refusal!));
      return;
    }
    const upstream = http.request(
      {
        host: r.address,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502).end(`maestro sandbox proxy: ${err.message}\n`);
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on("connect", async (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client);
    client.on("error", () => client.destroy());
    client.on("close", () => sockets.delete(client));
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? "");
    if (!m) {
      client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const host = m[1]!;
    const port = Number(m[2]);
    const r = await check(host, port);
    if (!r.address) {
      const body = refusalText(`${host}:${port}`, r.refusal!);
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    const upstream = net.connect({ host: r.address, port }, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => {
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      upstream.destroy();
    });
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
  });
  return server;
}

/**
 * Opens the proxy and the loopback relays under `dir` (bound into the sandbox read-only).
 * `allow`: endpoints and hosts as accepted by parseAllowEntry.
 */
export async function openSandboxNetwork(dir: string, allow: string[]): Promise<SandboxNetwork> {
  const entries = allow.map(parseAllowEntry);
  const denied = new Set<string>();
  const sockets = new Set<Duplex>();
  const servers: net.Server[] = [];
  const relays: PortRelay[] = [];
  try {
    for (const e of entries) {
      if (!isLoopbackHost(e.host) || e.port === undefined) continue;
      if (relays.some((r) => r.port === e.port)) continue;
      const socket = path.join(dir, `relay-${e.port}.sock`);
      servers.push(await openForward(socket, e.host === "localhost" ? "127.0.0.1" : e.host, e.port, sockets));
      relays.push({ bind: e.host === "::1" ? "::1" : "127.0.0.1", port: e.port, socket });
      if (e.host === "localhost") relays.push({ bind: "::1", port: e.port, socket });
    }
    let proxyPort = DEFAULT_PROXY_PORT;
    while (relays.some((r) => r.port === proxyPort)) proxyPort++;
    const socket = path.join(dir, "proxy.sock");
    const proxy = createProxy(entries, denied, sockets);
    await listenUnix(proxy, socket);
    servers.push(proxy);
    relays.push({ bind: "127.0.0.1", port: proxyPort, socket });
    return {
      proxyPort,
      relays,
      denied: () => [...denied],
      close: async () => {
        for (const s of sockets) s.destroy();
        await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      },
    };
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
}
