# Maestro for GitHub: multi-stage build, non-root runtime with git and the sandbox (bubblewrap, socat).
# The sandbox needs user namespaces: run the container with a seccomp/AppArmor profile that allows them
# (docs/security.md, "Where the sandbox cannot start"); `maestro doctor` says whether it can start.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap socat \
  && rm -rf /var/lib/apt/lists/*
# --max-semi-space-size=2: V8's young generation capped at 2 MB per semi-space; peak RSS of a worker with
# 4 runs ≈ 113 instead of 133-155 MB, serve's intake unchanged (docs/benchmarks.md). Children never get it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=2 \
    MAESTRO_DATA_DIR=/data \
    PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
COPY playbooks ./playbooks
COPY schemas ./schemas
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/maestro.js"]
CMD ["serve"]
