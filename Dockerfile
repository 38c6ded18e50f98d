# signal-server: multi-stage build. The builder runs scripts/build, the same script scripts/run
# uses, so the image is built exactly as a newcomer's server is.

FROM swift:6.3-bookworm AS builder
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY scripts ./scripts
# Static Swift runtime: the runtime image needs no Swift libraries, only libsodium.
RUN scripts/build --static-swift-stdlib \
    && install -D .build/release/signal-server /out/signal-server

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsodium23 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin signal
COPY --from=builder /out/signal-server /usr/local/bin/signal-server
USER signal
WORKDIR /app
# Configure with environment variables (see .env.example): PRIVATE_KEY_JWK, PUBLIC_KEY_JWK,
# ADMIN_SECRET, or AUTH_DISABLED=true.
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"ok\"' <&3"]
ENTRYPOINT ["signal-server"]
CMD ["serve"]
