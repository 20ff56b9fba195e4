# Palaver's image: `docker build -t palaver .`; compose.yaml runs it (README, "Health, metrics and deployment").
#
# Two stages: the first has the C++ toolchain that better-sqlite3 may need to compile its native
# module (when no prebuilt binary fits); the second gets only the result, and runs as a non-root
# user with its database on a volume.

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Runtime dependencies only (tsx is one: Palaver runs its TypeScript directly).
RUN npm ci --omit=dev \
 && node -e "require('better-sqlite3')(':memory:').prepare('SELECT 1').get()"
COPY tsconfig.json ./
COPY src ./src
COPY adapters ./adapters
COPY migrations ./migrations

FROM node:20-bookworm-slim
WORKDIR /app
# Same base image as the build stage, so the compiled better-sqlite3 matches its libc and Node.
# The code stays owned by root (read-only to Palaver); only /data is writable.
COPY --from=build /app ./
RUN mkdir -p /data && chown node:node /data
ENV DATABASE_PATH=/data/palaver.db \
    PORT=3000
VOLUME ["/data"]
EXPOSE 3000
# The image's `node` user (uid 1000), not root.
USER node
# Alive = the HTTP server answers; readiness (/readyz) is for load balancers and orchestrators.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains replies for PALAVER_SHUTDOWN_GRACE_MS, then exits 0.
CMD ["node", "--import", "tsx", "adapters/main.ts"]
