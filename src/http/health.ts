// Liveness and readiness. /healthz: the process answers. /readyz: Redis answers PING, so webhooks
// can be queued; a load balancer stops sending deliveries to an instance that cannot queue them.
import type { Redis } from "ioredis";

export interface HealthCheck {
  status: number;
  body: { ok: boolean; reason?: string };
}

export function liveness(): HealthCheck {
  return { status: 200, body: { ok: true } };
}

export async function readiness(
  redis: Pick<Redis, "ping" | "status">,
  timeoutMs = 2000,
): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer to PING within ${timeoutMs} ms (connection ${redis.status})`)),
          timeoutMs,
        );
      }),
    ]);
    if (pong !== "PONG")
      return { status: 503, body: { ok: false, reason: `Redis answered PING with ${JSON.stringify(pong)}` } };
    return { status: 200, body: { ok: true } };
  } catch (err) {
    return {
      status: 503,
      body: {
        ok: false,
        reason: `Redis is not reachable: ${err instanceof Error ? err.message : String(err)}`,
      },
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
