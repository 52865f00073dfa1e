# Maestro for GitHub: the production image (docs/deploy.md).
#
#   docker build -t maestro .                                  # Claude Code only (the default)
#   docker build --build-arg AGENTS=claude-code,codex,gemini,opencode -t maestro .
#
# Stages: build (npm ci + tsc), deps (production node_modules), agents (the agent CLIs at the versions
# package-lock.json pins, the ones the tests run), runtime (node:20-bookworm-slim + git, the sandbox's
# bubblewrap and socat, tini; user maestro, uid 10001).
#
# The sandbox needs unprivileged user namespaces and a fresh /proc inside the container: run workers with
#   --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined
# (compose.yaml does). Without them `maestro doctor` exits 3 with "✗ sandbox: bubblewrap cannot create its
# namespaces here (…)" and a worker refuses every run saying so (docs/deploy.md, "The sandbox in a container").
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: compiling needs none (the agent CLIs' postinstalls fetch nothing the build uses).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS agents
# Comma-separated: claude-code, codex, gemini, opencode ("none" for no agent CLI, e.g. command agents only).
ARG AGENTS=claude-code
WORKDIR /src
COPY package.json package-lock.json ./
COPY docker/install-agents.mjs ./docker/
# Under /usr: the sandbox mounts /usr read-only, so the agents' own files are visible inside it.
RUN node docker/install-agents.mjs --prefix /usr/local/maestro-agents "$AGENTS" && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap socat \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 10001 maestro \
  && useradd --uid 10001 --gid maestro --create-home --home-dir /home/maestro --shell /usr/sbin/nologin maestro \
  && mkdir -p /data \
  && chown maestro:maestro /data
# --max-semi-space-size=2: V8's young generation capped at 2 MB per semi-space; peak RSS of a worker with
# 4 runs ≈ 113 instead of 133-155 MB, serve's intake unchanged (docs/benchmarks.md). Children never get it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=2 \
    MAESTRO_DATA_DIR=/data \
    PORT=3000 \
    PATH=/usr/local/maestro-agents/bin:$PATH
COPY --from=agents /usr/local/maestro-agents /usr/local/maestro-agents
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
COPY docker/healthcheck.mjs ./docker/
COPY playbooks ./playbooks
COPY schemas ./schemas
USER maestro
VOLUME ["/data"]
EXPOSE 3000
# serve: GET /healthz; worker: `maestro doctor` (git and the sandbox). See docker/healthcheck.mjs.
HEALTHCHECK --interval=30s --timeout=30s --start-period=30s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/maestro.js"]
CMD ["serve"]
