# syntax=docker/dockerfile:1
# Build stage: the Swift toolchain (the version CI builds and tests with; a test checks) and the
# -dev headers of the C libraries we wrap.
ARG SWIFT_VERSION=6.3.1
FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev libpq-dev libcurl4-openssl-dev \
        libsnappy-dev libzstd-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Everything the manifest names must be present, custom target paths included
# (Tests/TestSupport, bench/train), or SwiftPM refuses the package.
COPY Package.swift ./
COPY Sources Sources
COPY Plugins Plugins
COPY Tests Tests
COPY bench/train bench/train
COPY migrations migrations
RUN swift package resolve
RUN swift build -c release --static-swift-stdlib --product modelserve \
    && install -m 0755 "$(swift build -c release --show-bin-path)/modelserve" /usr/local/bin/modelserve

# Runtime stage: a slim Debian with only the shared libraries the binary links.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libsqlite3-0 libcurl4 libsnappy1v5 libzstd1 zlib1g \
        ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 10001 modelserve
COPY --from=build /usr/local/bin/modelserve /usr/local/bin/modelserve
COPY pipelines /app/pipelines
COPY scripts/docker-setup.sh /app/scripts/docker-setup.sh
USER modelserve
WORKDIR /home/modelserve
# The embedded default store; docker-compose.yml points DATABASE_URL at Postgres instead.
ENV DATABASE_URL=sqlite:/home/modelserve/modelserve.sqlite
EXPOSE 8080
ENTRYPOINT ["modelserve"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
