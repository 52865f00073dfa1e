// The production image and compose file (docs/deploy.md): compose.yaml is valid under the Compose
// Specification's JSON Schema (vendored in test/fixtures/compose-spec, the schema `docker compose` uses),
// and the Dockerfile, compose.yaml, the sandbox's own advice and the docs agree with each other.
import { describe, expect, it } from "@jest/globals";
import Ajv from "ajv";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const root = process.cwd();
const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");

/** What `maestro setup` leaves in .env that compose.yaml interpolates; every other variable is unset. */
const DOT_ENV: Record<string, string> = { PRIVATE_KEY_PATH: "/srv/maestro/maestro.1.private-key.pem" };

/** Compose's interpolation: `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` (throws when unset), `${VAR}`. */
function interpolate(value: unknown): unknown {
  if (typeof value === "string")
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
      (_m, name: string, op?: string, arg?: string) => {
        const set = DOT_ENV[name];
        if (set !== undefined && set !== "") return set;
        if (op?.endsWith("?")) throw new Error(`compose.yaml: ${name} required: ${arg}`);
        return op ? (arg ?? "") : "";
      },
    );
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
}

type Service = {
  image?: string;
  command?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas: unknown };
  security_opt?: string[];
  secrets?: string[];
  build?: { args?: Record<string, string> };
};
const raw = parse(read("compose.yaml"), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const compose = interpolate(raw) as typeof raw;

function schemaValidator() {
  const schema = JSON.parse(read("test/fixtures/compose-spec/compose-spec.json")) as Record<string, unknown>;
  // The schema names its draft as https://json-schema.org/draft-07/schema, ajv's own id is the http:// one.
  const { $schema: _draft, ...rest } = schema;
  const ajv = new Ajv.default({ allErrors: true, strict: false });
  return ajv.compile(rest);
}

describe("compose.yaml", () => {
  const validate = schemaValidator();

  it("is valid under the Compose Specification's JSON Schema (with compose's default interpolation)", () => {
    const ok = validate(compose);
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  it("is checked for real: the schema refuses a broken service", () => {
    const broken = structuredClone(compose);
    (broken.services.worker as Record<string, unknown>).deploy = { replicas: [2] };
    (broken.services.serve as Record<string, unknown>).restart_policy = "always";
    expect(validate(broken)).toBe(false);
    expect((validate.errors ?? []).map((e) => e.instancePath).join(" ")).toMatch(/worker\/deploy\/replicas/);
  });

  it("runs Redis with AOF persistence, noeviction and a volume, healthy before Maestro starts", () => {
    const redis = compose.services.redis!;
    expect(redis.image).toMatch(/^redis:7/);
    expect(redis.command!.join(" ")).toContain("--appendonly yes");
    expect(redis.command!.join(" ")).toContain("--maxmemory-policy noeviction");
    expect(redis.volumes).toContain("redis-data:/data");
    expect(redis.healthcheck!.test.join(" ")).toContain("redis-cli ping");
    for (const name of ["serve", "worker"]) {
      expect(compose.services[name]!.depends_on).toEqual({ redis: { condition: "service_healthy" } });
    }
  });

  it("runs serve --no-worker with a port and /healthz check, and N sandboxed workers", () => {
    const { serve, worker } = compose.services;
    expect(serve!.command).toEqual(["serve", "--no-worker"]);
    expect(serve!.ports).toEqual(["3000:3000"]);
    expect(serve!.healthcheck!.test).toEqual(["CMD", "node", "/app/docker/healthcheck.mjs", "serve"]);
    expect(worker!.command).toEqual(["worker"]);
    expect(raw.services.worker!.deploy!.replicas).toBe("${MAESTRO_WORKERS:-2}");
    expect(worker!.healthcheck!.test).toEqual(["CMD", "node", "/app/docker/healthcheck.mjs", "worker"]);
    expect(worker!.security_opt).toEqual([
      "seccomp=unconfined",
      "apparmor=unconfined",
      "systempaths=unconfined",
    ]);
    for (const s of [serve!, worker!]) {
      expect(s.env_file).toBe(".env");
      expect(s.environment).toMatchObject({
        REDIS_URL: "redis://redis:6379",
        MAESTRO_DATA_DIR: "/data",
        PRIVATE_KEY_PATH: "/run/secrets/github-app-key",
      });
      expect(s.secrets).toEqual(["github-app-key"]);
      expect(s.volumes).toContain("maestro-data:/data");
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(["maestro-data", "redis-data"]);
  });

  it("mounts the app key file .env names (what maestro setup writes), and says so when .env names none", () => {
    expect(compose.secrets["github-app-key"]).toEqual({ file: DOT_ENV.PRIVATE_KEY_PATH });
    const without = { ...DOT_ENV };
    delete DOT_ENV.PRIVATE_KEY_PATH;
    try {
      expect(() => interpolate(raw)).toThrow(/PRIVATE_KEY_PATH required: .*run maestro setup/);
    } finally {
      Object.assign(DOT_ENV, without);
    }
  });

  it("asks for the security options the sandbox's own error message and docs/deploy.md name", () => {
    const probe = read("src/sandbox/probe.ts");
    const deploy = read("docs/deploy.md");
    for (const opt of compose.services.worker!.security_opt!) {
      expect(probe).toContain(`--security-opt ${opt}`);
      expect(deploy).toContain(`--security-opt ${opt}`);
    }
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");

  it("builds in stages onto node:20-bookworm-slim with git, the sandbox's tools and tini", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    const apt = /apt-get install -y --no-install-recommends ([^\\\n]+)/.exec(dockerfile)?.[1]?.split(/\s+/);
    expect(apt).toEqual(expect.arrayContaining(["git", "ca-certificates", "tini", "bubblewrap", "socat"]));
  });

  it("runs as the non-root user maestro (uid 10001) with a health check, Claude Code by default", () => {
    expect(dockerfile).toMatch(/useradd --uid 10001 --gid maestro/);
    expect(dockerfile).toMatch(/^USER maestro$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^ARG AGENTS=claude-code$/m);
    expect(compose.services.worker!.build!.args!.AGENTS).toBe("claude-code");
  });
});

describe("docker/install-agents.mjs", () => {
  const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { version: string }> };
  const pinned = (pkg: string) => `${pkg}@${lock.packages[`node_modules/${pkg}`]!.version}`;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["docker/install-agents.mjs", "--print", ...args], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });

  it("installs each agent CLI at the version package-lock.json pins (the one the tests run)", () => {
    const out = execFileSync(
      process.execPath,
      ["docker/install-agents.mjs", "--print", "claude-code,codex, gemini,opencode"],
      { cwd: root, encoding: "utf8" },
    );
    expect(out.trim().split("\n")).toEqual([
      pinned("@anthropic-ai/claude-code"),
      pinned("@openai/codex"),
      pinned("@google/gemini-cli"),
      pinned("opencode-ai"),
    ]);
    expect(run("none").stdout).toBe("");
  });

  it("refuses an unknown agent with the list of known ones", () => {
    const r = run("claude-code,cursor");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown agent "cursor"');
    expect(r.stderr).toContain("claude-code, codex, gemini, opencode");
  });
});
