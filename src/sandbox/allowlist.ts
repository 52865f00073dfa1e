// The sandbox's network allowlist: which host:port a sandboxed process may reach through Maestro's proxy.
import net from "node:net";

export interface AllowEntry {
  /** Lower-case host name or IP literal; `*.example.com` matches its subdomains. */
  host: string;
  /** Undefined: 443 and 80. */
  port?: number;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** `https://api.example.com/v1`, `api.example.com:8443`, `*.example.com`, `[::1]:8080` → an entry. */
export function parseAllowEntry(spec: string): AllowEntry {
  const text = spec.trim();
  let host: string;
  let port: number | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`not a valid URL: ${JSON.stringify(spec)}`);
    }
    host = url.hostname.replace(/^\[|\]$/g, "");
    port = url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
  } else {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
    if (!m) throw new Error(`not a host or host:port: ${JSON.stringify(spec)}`);
    host = m[1]!;
    port = m[2] !== undefined ? Number(m[2]) : undefined;
  }
  host = host.toLowerCase();
  if (!host || (port !== undefined && !(port > 0 && port < 65536)) || /[\s/@]/.test(host)) {
    throw new Error(`not a host or host:port: ${JSON.stringify(spec)}`);
  }
  return port === undefined ? { host } : { host, port };
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\./.test(host);
}

export function allows(entries: readonly AllowEntry[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return entries.some((e) => {
    const hostOk = e.host.startsWith("*.") ? h.endsWith(e.host.slice(1)) : e.host === h;
    const portOk = e.port === undefined ? port === 443 || port === 80 : e.port === port;
    return hostOk && portOk;
  });
}

/**
 * Addresses never reached through a name, whatever the allowlist says: link-local (cloud metadata at
 * 169.254.169.254, fd00:ec2::254), and loopback and unspecified (the worker's own ports, Redis). A loopback
 * endpoint is reachable only when the allowlist names it as an address (`127.0.0.1:4000`, `localhost:4000`).
 */
export function isForbiddenAddress(ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  if (net.isIPv4(v4)) {
    return /^(127\.|0\.|169\.254\.)/.test(v4) || v4 === "100.100.100.200";
  }
  const v6 = ip.toLowerCase();
  return v6 === "::1" || v6 === "::" || /^fe[89ab]/.test(v6) || v6 === "fd00:ec2::254";
}
