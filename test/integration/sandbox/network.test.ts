// The sandbox's way out (src/sandbox/network.ts), driven from the host side as the relays inside drive it:
// connections on its unix sockets. The proxy tunnels and forwards allowlisted host:port only.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { openSandboxNetwork, type SandboxNetwork } from "../../../src/sandbox/network.js";

let dir: string;
let echo: net.Server;
let web: http.Server;
let echoPort: number;
let webPort: number;
let network: SandboxNetwork;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Sends `request` on the unix socket and collects what comes back until `until` matches or the peer closes. */
function exchange(socket: string, request: string, until?: RegExp, after?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let got = "";
    let sentAfter = false;
    c.on("data", (d) => {
      got += d.toString();
      if (after && !sentAfter && /\r\n\r\n/.test(got)) {
        sentAfter = true;
        c.write(after);
      }
      if (until?.test(got)) c.end();
    });
    c.on("close", () => resolve(got));
    c.on("error", reject);
    c.write(request);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "maestro-net-"));
  echo = net.createServer((s) => s.pipe(s));
  echoPort = await listen(echo);
  web = http.createServer((req, res) => res.end(`web saw ${req.method} ${req.url}`));
  webPort = await listen(web);
  network = await openSandboxNetwork(dir, [`127.0.0.1:${echoPort}`, `http://localhost:${webPort}`]);
});
afterAll(async () => {
  await network.close();
  echo.close();
  web.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("sandbox network", () => {
  const proxy = () => path.join(dir, "proxy.sock");

  it("relays loopback endpoints the allowlist names, on their own ports, and the proxy on another", () => {
    const ports = network.relays.map((r) => `${r.bind}:${r.port}`);
    expect(ports).toEqual(
      expect.arrayContaining([
        `127.0.0.1:${echoPort}`,
        `127.0.0.1:${webPort}`,
        `::1:${webPort}`,
        `127.0.0.1:${network.proxyPort}`,
      ]),
    );
  });

  it("tunnels CONNECT to an allowlisted host:port", async () => {
    const got = await exchange(
      proxy(),
      `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: x\r\n\r\n`,
      /ping-through/,
      "ping-through",
    );
    expect(got).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nping-through$/);
  });

  it("forwards an absolute-form request to an allowlisted host", async () => {
    const got = await exchange(
      proxy(),
      `GET http://localhost:${webPort}/v1/x HTTP/1.1\r\nHost: localhost:${webPort}\r\nConnection: close\r\n\r\n`,
    );
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    expect(got).toContain("web saw GET /v1/x");
  });

  it("refuses what is not listed, loopback ports and metadata included, and records it", async () => {
    for (const target of [
      "127.0.0.1:6379",
      "169.254.169.254:80",
      "example.com:443",
      `127.0.0.1:${webPort + 1}`,
    ]) {
      const got = await exchange(proxy(), `CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect([target, got.split("\r\n")[0]]).toEqual([target, "HTTP/1.1 403 Forbidden"]);
      expect(got).toContain("MAESTRO_SANDBOX_ALLOW_HOSTS");
    }
    const plain = await exchange(
      proxy(),
      "GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(plain).toMatch(/^HTTP\/1\.1 403/);
    expect(network.denied()).toEqual(
      expect.arrayContaining(["127.0.0.1:6379", "169.254.169.254:80", "example.com:443"]),
    );
  });

  it("a relay socket reaches its endpoint directly", async () => {
    const relay = network.relays.find((r) => r.port === echoPort)!;
    const got = await exchange(relay.socket, "direct-hello", /direct-hello/);
    expect(got).toBe("direct-hello");
  });
});
