# The regdoctor image (ghcr.io/regdoctor/regdoctor), used by deploy/exporter, deploy/webhook and deploy/agent:
#   docker build -t ghcr.io/regdoctor/regdoctor:0.1.0 .
# The build stage bundles the CLI with esbuild into dist/ (dependencies included); the runtime stage holds only
# what runs: package.json (ESM), the launcher and the bundle. It runs as UID/GID 65532 with a read-only root
# filesystem (the deployments set readOnlyRootFilesystem: nothing is written outside /tmp). test/deploy/image.test.ts
# checks that exactly the files copied here are enough, as that user.

FROM docker.io/library/node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY bin ./bin
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
RUN node scripts/build.mjs

FROM docker.io/library/node:20-bookworm-slim
RUN groupadd --gid 65532 regdoctor \
  && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin regdoctor
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
RUN ln -s /app/bin/regdoctor /usr/local/bin/regdoctor \
  && ln -s /app/bin/regdoctor /usr/local/bin/kubectl-regdoctor
ENV NODE_ENV=production
USER 65532:65532
ENTRYPOINT ["regdoctor"]
CMD ["--help"]
