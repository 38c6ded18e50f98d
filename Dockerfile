# signal-server: multi-stage build. The builder runs scripts/build-dependencies and scripts/build,
# the same scripts scripts/run uses, so the image is built exactly as a newcomer's server is.

FROM swift:6.3-bookworm AS builder
WORKDIR /src
COPY scripts/build scripts/build-dependencies ./scripts/
COPY scripts/lib ./scripts/lib
COPY Package.swift ./
# Dependency layer: resolved and compiled from Package.swift alone (the script stands in empty
# targets for our sources), so a change under Sources/ rebuilds only our own targets; it is
# redone only when Package.swift or these two scripts change. The flags must match the build below.
RUN scripts/build-dependencies --static-swift-stdlib
COPY Sources ./Sources
# SwiftPM loads the package only with every target's directory present, test targets included
# (they are not built here).
COPY Tests ./Tests
# Sources/SignalServer/HTTP/openapi.yaml is a symbolic link to this file, embedded in the binary.
COPY docs/openapi.yaml ./docs/openapi.yaml
# Static Swift runtime: the runtime image needs no Swift libraries, only libsodium.
RUN scripts/build --static-swift-stdlib \
    && install -D .build/release/signal-server /out/signal-server \
    && install -D /usr/libexec/swift/linux/swift-backtrace-static /out/swift-backtrace-static

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsodium23 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin signal
COPY --from=builder /out/signal-server /usr/local/bin/signal-server
# Swift's backtracer: a crash prints every thread's stack (symbolicated, with the values of
# arguments sanitized away) to standard error instead of dying silently. A static binary cannot
# find it next to the Swift runtime, so SWIFT_BACKTRACE names it.
COPY --from=builder /out/swift-backtrace-static /usr/local/libexec/swift-backtrace-static
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift-backtrace-static
USER signal
WORKDIR /app
# Configure with environment variables (see .env.example): PRIVATE_KEY_JWK, PUBLIC_KEY_JWK,
# ADMIN_SECRET, or AUTH_DISABLED=true. TLS_CERT_FILE and TLS_KEY_FILE for https:// and wss://
# (mount the files; `docker kill --signal=HUP` reloads them); the HEALTHCHECK below speaks plain
# HTTP, so with TLS on run with --no-healthcheck or check from outside.
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"ok\"' <&3"]
ENTRYPOINT ["signal-server"]
CMD ["serve"]
