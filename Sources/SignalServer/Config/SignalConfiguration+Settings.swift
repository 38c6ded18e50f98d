import RedisClient
import Signaling

extension SignalConfiguration {
    /// Every setting the server reads, in the order `serve --help`, the README and
    /// `.env.example` list them.
    ///
    /// Adding a setting is one entry here, next to its field in ``SignalConfiguration`` (which
    /// holds the default): the reader, the `serve` flag and its help follow from the entry.
    public static let settings: [ConfigurationSetting] = [
        ConfigurationSetting(
            "PORT", \.configuration.port, .integer(in: 0...65_535, valueName: "port"),
            help: "Listen port; 0 picks a free one."),
        ConfigurationSetting(
            "HOST", \.configuration.host, .text(valueName: "address"),
            help: "Listen address."),
        ConfigurationSetting(
            "AUTH_DISABLED", \.authDisabled, .boolean,
            help: "Run without tokens: anyone joins any room, /token and /public-key answer 404. Local development only."),
        ConfigurationSetting(
            "PRIVATE_KEY_JWK", \.privateKeyJWK, .text(valueName: "jwk"), unset: "required with auth", secret: true,
            help: "Base64 (or raw JSON) of the private Ed25519 JWK. Prefer the environment: flags show in `ps`."),
        ConfigurationSetting(
            "PUBLIC_KEY_JWK", \.publicKeyJWK, .text(valueName: "jwk"), unset: "required with auth", secret: true,
            help: "Base64 (or raw JSON) of the public Ed25519 JWK; must match the private key."),
        ConfigurationSetting(
            "ADMIN_SECRET", \.adminSecret, .text(valueName: "secret"), unset: "required with auth", secret: true,
            help: "Secret for POST /token, at least 16 characters. Prefer the environment."),
        ConfigurationSetting(
            "TOKEN_ISSUER", \.configuration.tokenIssuer, .text(),
            help: "iss written into and required of room tokens."),
        ConfigurationSetting(
            "TOKEN_AUDIENCE", \.configuration.tokenAudience, .text(),
            help: "aud written into and required of room tokens."),
        ConfigurationSetting(
            "CONSUMER_PUBLIC_KEY_JWK", \.configuration.consumerKeys, .consumerKeys, secret: true,
            help: "Base64 (or raw JSON) of the identity provider's JWK, JWK array or JWKS, which signs consumer tokens; "
                + "unset: consumers are refused while auth is on."),
        ConfigurationSetting(
            "CONSUMER_ISSUER", \.configuration.consumerIssuer, .text(),
            help: "iss required of consumer tokens; unset: not checked (warned at start)."),
        ConfigurationSetting(
            "CONSUMER_AUDIENCE", \.configuration.consumerAudience, .text(),
            help: "aud required of consumer tokens; unset: not checked (warned at start)."),
        ConfigurationSetting(
            "CONSUMER_ALGORITHMS", \.configuration.consumerAlgorithms, .consumerAlgorithms,
            help: "alg values accepted for consumer tokens, from ES256, RS256, PS256."),
        ConfigurationSetting(
            "MAX_TOKEN_TTL", \.configuration.maxTokenTTL, .timeToLive,
            help: "Longest TTL POST /token grants."),
        ConfigurationSetting(
            "MAX_MESSAGE_BYTES", \.configuration.maxMessageBytes, .integer(in: 128...(64 << 20), valueName: "bytes"),
            help: "Largest text message; a larger one closes the socket 1009."),
        ConfigurationSetting(
            "MAX_OUTBOUND_BYTES", \.configuration.maxOutboundBytes, .integer(in: 1024...(1 << 30), valueName: "bytes"),
            help: "Unsent bytes queued for one socket before it is closed 1008 (slow consumer)."),
        ConfigurationSetting(
            "MAX_PEERS_PER_ROOM", \.configuration.maxPeersPerRoom, .integer(in: 2...100_000, valueName: "n"),
            help: "Most sockets one room holds, registered or pending; a newcomer past it is closed 4429 (room is full)."),
        ConfigurationSetting(
            "REGISTER_TIMEOUT", \.configuration.registerTimeout, .timeToLive,
            help: "A socket that has not sent register by then is closed 4002."),
        ConfigurationSetting(
            "PING_INTERVAL", \.configuration.pingInterval, .timeToLive,
            help: "Server ping interval; a peer silent for two intervals is dropped."),
        ConfigurationSetting(
            "REQUEST_TIMEOUT", \.configuration.requestTimeout, .timeToLive,
            help: "Time an HTTP request (head and body) may take to arrive, and the longest idle keep-alive; "
                + "a slower connection is closed."),
        ConfigurationSetting(
            "REQUEST_HEAD_MAX_BYTES", \.configuration.requestHeadMaxBytes, .integer(in: 1024...(1 << 20), valueName: "bytes"),
            help: "Largest request line plus headers; a larger head is answered 431 and the connection closed."),
        ConfigurationSetting(
            "LOG_LEVEL", \.configuration.logLevel, .logLevel,
            help: "trace, debug, info, notice, warning, error or critical."),
        ConfigurationSetting(
            "LOG_FORMAT", \.configuration.logFormat, .logFormat,
            help: "text: plain lines; json: one JSON object per line (time, level, message, metadata)."),
        ConfigurationSetting(
            "DRAIN_TIMEOUT", \.configuration.drainTimeout, .drainTimeout,
            help: "After SIGTERM or SIGINT: how long /ready answers 503 and live sockets keep relaying before they are "
                + "closed 1001; 0s to at most 8s."),
        ConfigurationSetting(
            "EVENT_LOOPS", \.configuration.eventLoopCount, .integer(in: 1...1024), unset: "CPUs in the affinity mask",
            help: "Event-loop threads."),
        ConfigurationSetting(
            "TURN_SECRET", \.configuration.turnSecret, .text(valueName: "secret"), unset: "unset: TURN off", secret: true,
            help: "coturn's static-auth-secret (use-auth-secret): turns on short-lived TURN credentials at "
                + "GET /turn-credentials and in peer-list and server-list."),
        ConfigurationSetting(
            "TURN_URLS", \.configuration.turnURLs, .turnURLs,
            help: "Comma-separated stun:, turn: and turns: URLs handed out with the credentials; required with TURN_SECRET."),
        ConfigurationSetting(
            "TURN_TTL", \.configuration.turnTTL, .timeToLive(maximum: TurnCredentialIssuer.maximumTimeToLive),
            help: "How long TURN credentials live, at most 1d; never beyond the room token's own expiry."),
        ConfigurationSetting(
            "MAX_CONNECTIONS_PER_IP", \.configuration.maxConnectionsPerIP, .integer(in: 1...1_000_000, valueName: "n"),
            help: "Most connections one client address holds; a WebSocket upgrade past it is refused 429."),
        ConfigurationSetting(
            "MAX_TOKENLESS_SOCKETS", \.configuration.maxTokenlessSockets, .integer(in: 1...1_000_000, valueName: "n"),
            help: "Most sockets admitted without a token (auth on, consumer path) at once, at most a quarter of the socket limit; "
                + "past it upgrades without a token are refused 503."),
        ConfigurationSetting(
            "MAX_TOKENLESS_PER_IP", \.configuration.maxTokenlessSocketsPerIP, .integer(in: 1...1_000_000, valueName: "n"),
            help: "Most sockets without a token one client address holds; past it, 429."),
        ConfigurationSetting(
            "TOKENLESS_TIMEOUT", \.configuration.tokenlessRegisterTimeout, .timeToLive,
            help: "A socket admitted without a token that has not sent register by then (at most REGISTER_TIMEOUT) is closed 4002."),
        ConfigurationSetting(
            "MESSAGE_RATE", \.configuration.messageRate, .rate,
            help: "Messages per socket as <count>/<period> (count at once, count per period after); past it messages are "
                + "dropped with one RATE_LIMITED error, and a socket that sends another count is closed 1008."),
        ConfigurationSetting(
            "TOKEN_RATE", \.configuration.tokenRate, .rate,
            help: "POST /token requests per client address, <count>/<period>; past it, 429 with Retry-After."),
        ConfigurationSetting(
            "ADMIN_FAILURE_RATE", \.configuration.adminFailureRate, .rate,
            help: "Wrong admin secrets per client address, <count>/<period>; past it POST /token answers that address 429."),
        ConfigurationSetting(
            "TRUST_PROXY", \.configuration.trustProxy, .addressRanges, unset: "unset: no proxy trusted",
            help: "Comma-separated proxy addresses or CIDR blocks whose Forwarded or X-Forwarded-For header gives the client "
                + "address (the rightmost hop that is not a trusted proxy) for every per-address limit."),
        ConfigurationSetting(
            "ALLOWED_ORIGINS", \.configuration.allowedOrigins, .origins, unset: "unset: any origin",
            help: "Comma-separated origins (https://app.example.com) allowed to open /signal, which answers another Origin 403; "
                + "HTTP responses carry CORS headers for them."),
        ConfigurationSetting(
            "DEMO_PAGE", \.configuration.demoPage, .boolean,
            help: "Serve the browser demo page at GET /demo; off: the route answers 404."),
        ConfigurationSetting(
            "CLOSE_ON_TOKEN_EXPIRY", \.configuration.closeOnTokenExpiry, .boolean,
            help: "Close a socket 4003 (Token expired) when its room token expires; off: sockets outlive their token, as with the JS server."),
        ConfigurationSetting(
            "TLS_CERT_FILE", \.tlsCertificateFile, .text(valueName: "path"), unset: "unset: plain HTTP",
            help: "PEM certificate chain (leaf first): the server speaks https:// and wss:// itself; SIGHUP re-reads it. "
                + "Requires TLS_KEY_FILE."),
        ConfigurationSetting(
            "TLS_KEY_FILE", \.tlsKeyFile, .text(valueName: "path"), unset: "unset: plain HTTP",
            help: "PEM private key of TLS_CERT_FILE's certificate; SIGHUP re-reads it. Requires TLS_CERT_FILE."),
        ConfigurationSetting(
            "METRICS", \.configuration.metrics, .boolean,
            help: "Keep Prometheus metrics and serve them at GET /metrics; off: nothing is counted and the route answers 404."),
        ConfigurationSetting(
            "METRICS_TOKEN", \.configuration.metricsToken, .text(valueName: "token"), unset: "unset: no token", secret: true,
            help: "Bearer token GET /metrics requires (Authorization: Bearer <token>); unset: /metrics is open."),
        ConfigurationSetting(
            "REDIS_URL", \.configuration.redis, .redisEndpoint, unset: "unset: one process holds every room", secret: true,
            help: "redis://[[user]:password@]host[:port][/db] of the Redis through which several instances share their rooms "
                + "(README § Running several instances)."),
        ConfigurationSetting(
            "INSTANCE_ID", \.configuration.instanceID, .instanceID, unset: "random at each start",
            help: "This instance's name among those sharing REDIS_URL: 1 to 64 letters, digits, '.', '_' or '-'."),
        ConfigurationSetting(
            "PRESENCE_TTL", \.configuration.presenceTTL, .timeToLive,
            help: "With REDIS_URL: an instance that has not refreshed its presence for this long is dead, and its peers leave "
                + "every list within twice this; refreshed every third of it."),
    ]
}
