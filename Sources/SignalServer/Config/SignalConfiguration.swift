public import Logging
public import RedisClient
public import Signaling

/// Everything the server is configured with, validated (SPEC § Configuration).
///
/// Build it from the environment and `.env` with ``init(reader:)``, or in code when embedding.
public struct SignalConfiguration: Sendable {
    /// Whether clients need room tokens, and the material that issues and checks them.
    public enum Authentication: Sendable {
        /// `AUTH_DISABLED=true`: no tokens; `/token` and `/public-key` answer 404.
        case disabled
        /// Tokens required: signed and verified with `keys`; `/token` needs `adminSecret`.
        case enabled(keys: SigningKeyPair, adminSecret: AdminSecret)
    }

    /// `HOST`: the listen address.
    public var host = "0.0.0.0"
    /// `PORT`: the listen port; 0 picks a free one.
    public var port = 8080
    /// `AUTH_DISABLED`, `PRIVATE_KEY_JWK`, `PUBLIC_KEY_JWK`, `ADMIN_SECRET`.
    public var authentication: Authentication
    /// `TOKEN_ISSUER`: `iss` written into and required of room tokens.
    public var tokenIssuer = "aikofy:client-db-sync"
    /// `TOKEN_AUDIENCE`: `aud` written into and required of room tokens.
    public var tokenAudience = "aikofy:client-db"
    /// `MAX_TOKEN_TTL`: the longest lifetime `/token` grants.
    public var maxTokenTTL = TimeToLive(seconds: 31_557_600)
    /// `CONSUMER_PUBLIC_KEY_JWK`: the identity provider's keys for consumer tokens; `nil`:
    /// consumers are refused while auth is on.
    public var consumerKeys: ConsumerKeySet?
    /// `CONSUMER_ISSUER`: `iss` required of consumer tokens; `nil`: not checked.
    public var consumerIssuer: String?
    /// `CONSUMER_AUDIENCE`: `aud` required of consumer tokens; `nil`: not checked.
    public var consumerAudience: String?
    /// `CONSUMER_ALGORITHMS`: the `alg` values accepted for consumer tokens.
    public var consumerAlgorithms = ConsumerAlgorithm.defaults
    /// `MAX_MESSAGE_BYTES`: the largest text message accepted.
    public var maxMessageBytes = 65_536
    /// `MAX_OUTBOUND_BYTES`: unsent bytes one socket may queue before it is closed 1008.
    public var maxOutboundBytes = 1_048_576
    /// `MAX_PEERS_PER_ROOM`: the most sockets one room holds; a newcomer past it is closed 4429.
    public var maxPeersPerRoom = 1_000
    /// `REGISTER_TIMEOUT`: seconds a socket may stay unregistered.
    public var registerTimeout = TimeToLive(seconds: 10)
    /// `PING_INTERVAL`: seconds between server pings; silence for two intervals drops a peer.
    public var pingInterval = TimeToLive(seconds: 30)
    /// `REQUEST_TIMEOUT`: how long a connection may take to send a complete request, head and body, counted from
    /// when it opens or its previous response has gone out; then it is closed. Bounds silent,
    /// slow ("slowloris") and idle keep-alive connections. WebSockets are not affected once
    /// upgraded.
    public var requestTimeout = TimeToLive(seconds: 5)
    /// `REQUEST_HEAD_MAX_BYTES`: the largest request head accepted, in bytes: the request line and every header field;
    /// a larger one is answered 431 and the connection closed.
    public var requestHeadMaxBytes = 16_384
    /// `LOG_LEVEL`.
    public var logLevel = Logger.Level.info
    /// `LOG_FORMAT`: plain text lines, or one JSON object per line.
    public var logFormat = LogFormat.text
    /// `DRAIN_TIMEOUT`: after SIGTERM or SIGINT, how long `/ready` answers 503 and live sockets
    /// keep relaying before they are closed 1001; at most ``maximumDrainTimeout``.
    public var drainTimeout = Duration.seconds(5)
    /// `EVENT_LOOPS`: event-loop threads; `nil` uses one per CPU this process may run on.
    public var eventLoopCount: Int?
    /// `TURN_SECRET`: coturn's `static-auth-secret`; `nil`: TURN is off.
    public var turnSecret: String?
    /// `TURN_URLS`: the `stun:`/`turn:`/`turns:` URLs handed out with TURN credentials.
    public var turnURLs: [TurnServerURL]?
    /// `TURN_TTL`: how long TURN credentials live (at most a day, never beyond the holder's token).
    public var turnTTL = TurnCredentialIssuer.defaultTimeToLive
    /// `MAX_CONNECTIONS_PER_IP`: the most connections one client address holds; an upgrade past
    /// it is refused with 429 (plain HTTP requests are still answered).
    public var maxConnectionsPerIP = 256
    /// `MAX_TOKENLESS_SOCKETS`: the most sockets admitted without a token (auth on, the consumer
    /// path) at once, never more than a quarter of the socket limit; past it upgrades get 503.
    public var maxTokenlessSockets = 1_000
    /// `MAX_TOKENLESS_PER_IP`: the most of those one client address holds; past it, 429.
    public var maxTokenlessSocketsPerIP = 16
    /// `TOKENLESS_TIMEOUT`: how long a socket admitted without a token may stay unregistered (at
    /// most `REGISTER_TIMEOUT`).
    public var tokenlessRegisterTimeout = TimeToLive(seconds: 3)
    /// `MESSAGE_RATE`: the messages one socket may send; past it they are dropped with one
    /// `RATE_LIMITED` error frame, and a socket that keeps on is closed 1008.
    public var messageRate = Rate(300, per: TimeToLive(seconds: 10))
    /// `TOKEN_RATE`: `POST /token` requests per client address; past it, 429 with `Retry-After`.
    public var tokenRate = Rate(100, per: TimeToLive(seconds: 1))
    /// `ADMIN_FAILURE_RATE`: wrong admin secrets per client address; past it every `POST /token`
    /// from that address is answered 429 until the rate allows another attempt.
    public var adminFailureRate = Rate(10, per: TimeToLive(seconds: 60))
    /// `TRUST_PROXY`: the reverse proxies whose `Forwarded` / `X-Forwarded-For` headers give the
    /// client address; `nil`: none, the peer address is the client's.
    public var trustProxy: [AddressRange]?
    /// `ALLOWED_ORIGINS`: the origins whose pages may open `/signal` and read HTTP responses
    /// (CORS); an upgrade with another `Origin` gets 403. `nil`: any origin.
    public var allowedOrigins: [String]?
    /// `DEMO_PAGE`: whether `GET /demo` serves the browser demo page; when `false` the route
    /// answers the JSON 404.
    public var demoPage = true
    /// `CLOSE_ON_TOKEN_EXPIRY`: whether a socket is closed 4003 `Token expired` when its room
    /// token's `exp` passes (off: sockets outlive their token, as with the JS server).
    public var closeOnTokenExpiry = false
    /// `TLS_CERT_FILE` and `TLS_KEY_FILE`, read: the server speaks `https://` and `wss://` with
    /// this certificate, which SIGHUP reloads; `nil`: plain HTTP. A reference: copies of this
    /// configuration share it, and its reloads.
    public var tls: ReloadableTLSContext?
    /// `METRICS`: whether the server keeps metrics and serves them at `GET /metrics`; when
    /// `false` nothing is counted and the route answers the JSON 404.
    public var metrics = true
    /// `METRICS_TOKEN`: when set, `GET /metrics` requires it as `Authorization: Bearer`.
    public var metricsToken: String?
    /// `REDIS_URL`: the Redis through which several instances share their rooms
    /// (``ClusterDirectory``); `nil`: this process holds every room itself.
    public var redis: RedisEndpoint?
    /// `INSTANCE_ID`: this instance's name among those sharing `REDIS_URL`; `nil`: a random one
    /// at each start.
    public var instanceID: String?
    /// `PRESENCE_TTL`: how long an instance counts as alive after its last heartbeat (sent every
    /// third of it); the peers of an instance that died leave every list within twice this.
    public var presenceTTL = TimeToLive(seconds: 10)

    /// The longest `DRAIN_TIMEOUT`: the drain and the closing of every socket fit in the ten
    /// seconds a process gets between SIGTERM and SIGKILL.
    public static let maximumDrainTimeout = TimeToLive(seconds: 8)

    /// A configuration with defaults and the given authentication.
    public init(authentication: Authentication) {
        self.authentication = authentication
    }

    /// The verifier for room tokens, or `nil` when auth is disabled.
    public var tokenVerifier: TokenVerifier? {
        guard case .enabled(let keys, _) = authentication else { return nil }
        return TokenVerifier(publicKey: keys.publicKey, issuer: tokenIssuer, audience: tokenAudience)
    }

    /// The issuer for room tokens, or `nil` when auth is disabled.
    public var tokenIssuerService: TokenIssuer? {
        guard case .enabled(let keys, _) = authentication else { return nil }
        return TokenIssuer(keys: keys, issuer: tokenIssuer, audience: tokenAudience)
    }

    /// How consumers authenticate: open when auth is disabled, refused when no consumer keys
    /// are configured, otherwise verified against those keys.
    public var consumerAuthentication: ConsumerAuthentication {
        guard case .enabled = authentication else { return .open }
        guard let consumerKeys else { return .notConfigured }
        return .verified(
            by: ConsumerTokenVerifier(keys: consumerKeys, algorithms: consumerAlgorithms, issuer: consumerIssuer, audience: consumerAudience))
    }

    /// The issuer of TURN credentials, or `nil` when TURN is off (`TURN_SECRET` unset).
    public var turnCredentialIssuer: TurnCredentialIssuer? {
        guard let turnSecret, let turnURLs else { return nil }
        return TurnCredentialIssuer(secret: turnSecret, urls: turnURLs, timeToLive: turnTTL)
    }

    /// Start-up warnings about consumer authentication: keys that are set but unused, and an
    /// `iss` or `aud` that is not checked.
    public var consumerWarnings: [String] {
        guard consumerKeys != nil else { return [] }
        guard case .enabled = authentication else {
            return ["CONSUMER_PUBLIC_KEY_JWK is set but auth is disabled: consumers register without tokens"]
        }
        var warnings: [String] = []
        if consumerIssuer == nil {
            warnings.append("CONSUMER_ISSUER is not set: consumer tokens are accepted whatever their iss")
        }
        if consumerAudience == nil {
            warnings.append("CONSUMER_AUDIENCE is not set: consumer tokens are accepted whatever their aud")
        }
        return warnings
    }
}
