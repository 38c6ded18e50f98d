import Foundation
import TestServices
import Testing

/// Several `signal-server serve` processes sharing their rooms through one real Redis, the way
/// README § Running several instances runs them: one key pair and admin secret (one `.env`),
/// `REDIS_URL`, an `INSTANCE_ID` each and a short `PRESENCE_TTL`.
final class ServerCluster: StoppableService {
    /// One running instance.
    struct Instance: Sendable {
        /// Its `INSTANCE_ID`.
        let id: String
        /// The port it listens on, on 127.0.0.1.
        let port: Int
        let process: RunningProcess
    }

    let redis: RedisServer
    let instances: [Instance]
    /// `PRESENCE_TTL` of every instance, in seconds.
    let presenceTTL: Int
    /// The `.env` every instance reads: the key pair and admin secret they share.
    var envFile: String { directory.appendingPathComponent(".env").path }
    private let adminSecret: String
    private let directory: URL

    private init(redis: RedisServer, instances: [Instance], presenceTTL: Int, adminSecret: String, directory: URL) {
        self.redis = redis
        self.instances = instances
        self.presenceTTL = presenceTTL
        self.adminSecret = adminSecret
        self.directory = directory
    }

    /// Starts Redis and `count` instances (`environment` added to each one's) and returns once
    /// every instance listens and counts all of them in its `/health`.
    static func start(instances count: Int = 3, presenceTTL: Int = 2, environment: [String: String] = [:]) async throws -> ServerCluster {
        let directory = try CommandLineTool.temporaryDirectory()
        let envFile = directory.appendingPathComponent(".env")
        let keygen = try await CommandLineTool.run(["keygen", "--env-file", envFile.path], in: directory)
        guard keygen.status == 0 else { throw TestSocket.Failure.timedOut("keygen: \(keygen.stderr)") }
        let file = try String(contentsOf: envFile, encoding: .utf8)
        let adminSecret = try #require(file.firstMatch(of: /(?m)^ADMIN_SECRET=(.+)$/)).output.1
        let redis = try await RedisServer.start()
        var instances: [Instance] = []
        do {
            for index in 1...count {
                let id = "signal-\(index)"
                let process = RunningProcess(
                    ["serve", "--host", "127.0.0.1", "--port", "0", "--env-file", envFile.path], in: directory,
                    environment: CommandLineTool.environment([
                        "REDIS_URL": redis.url, "INSTANCE_ID": id, "PRESENCE_TTL": "\(presenceTTL)s", "DRAIN_TIMEOUT": "0s",
                    ].merging(environment) { $1 }))
                try process.start()
                instances.append(Instance(id: id, port: 0, process: process))
                let port = try #require(Int(try await process.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)))
                instances[instances.count - 1] = Instance(id: id, port: port, process: process)
            }
            let cluster = ServerCluster(
                redis: redis, instances: instances, presenceTTL: presenceTTL, adminSecret: String(adminSecret), directory: directory)
            for index in instances.indices {
                try await cluster.awaitCluster(on: index, "every instance") { $0.instances == count }
            }
            return cluster
        } catch {
            instances.forEach { $0.process.signal(SIGKILL) }
            await redis.stop()
            throw error
        }
    }

    /// Runs `body` against a fresh cluster and always stops it.
    static func with<T>(
        instances count: Int = 3, presenceTTL: Int = 2, environment: [String: String] = [:], _ body: (ServerCluster) async throws -> T
    ) async throws -> T {
        try await start(instances: count, presenceTTL: presenceTTL, environment: environment).stopping(after: body)
    }

    /// SIGTERM to every instance still running (SIGKILL after 10 s), then Redis.
    func stop() async {
        for instance in instances { instance.process.signal(SIGTERM) }
        for instance in instances { _ = try? await instance.process.exitStatus(within: 10) }
        await redis.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `kill -9` of one instance: no goodbye reaches Redis or its sockets.
    func kill(_ index: Int) async throws {
        instances[index].process.signal(SIGKILL)
        _ = try await instances[index].process.exitStatus(within: 10)
    }

    // MARK: - Tokens and sockets

    /// A room token for `room` from `POST /token` on the first instance (any would do: they share the key).
    func token(room: String) async throws -> String {
        let response = try await HTTPClient.request(
            port: instances[0].port, method: "POST", target: "/token", headers: [("x-admin-secret", adminSecret)],
            body: #"{"ttl":"1h","subject":"\#(room)"}"#)
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return try #require(json?["token"] as? String, "POST /token answered \(response.status)")
    }

    /// Opens `/signal` on instance `index` (or on `port`) with the given query.
    func connect(_ index: Int, _ query: [String: String]) async throws -> TestSocket {
        try await TestSocket.connect(port: instances[index].port, target: TestServer.target(query))
    }

    /// Opens a socket with a room token on `port` (an instance's or the proxy's) as `nodeId`,
    /// registers it as a normal peer and returns it with its `peer-list`.
    func joinNormal(port: Int, room: String, nodeId: String) async throws -> (TestSocket, [String]) {
        let socket = try await TestSocket.connect(
            port: port, target: TestServer.target(["token": try await token(room: room), "nodeId": nodeId]))
        try await socket.register()
        let reply = try await socket.nextJSON()
        guard reply["type"] as? String == "peer-list", let peers = reply["peers"] as? [String] else {
            throw TestSocket.Failure.unexpected(.text("\(reply)"), expected: "peer-list")
        }
        return (socket, peers)
    }

    /// Polls joins of fresh nodeIds to `room` on instance `index` (each dropped at once) until
    /// one's `peer-list` holds every one of `peers`: what a newcomer sees once the cluster settled.
    func awaitNewcomerSeeing(_ peers: Set<String>, in room: String, on index: Int) async throws {
        var probes = 0
        try await poll(within: 20, { "a newcomer on instance \(index) to see \(peers.sorted())" }) {
            probes += 1
            let (probe, list) = try await joinNormal(index, room: room, nodeId: "probe\(probes)")
            await probe.drop()
            return peers.isSubset(of: list)
        }
    }

    /// ``joinNormal(port:room:nodeId:)`` on instance `index`.
    func joinNormal(_ index: Int, room: String, nodeId: String) async throws -> (TestSocket, [String]) {
        try await joinNormal(port: instances[index].port, room: room, nodeId: nodeId)
    }

    // MARK: - HTTP

    /// Polls `/ready` on every instance until each answers `status`.
    func awaitReadiness(_ status: Int) async throws {
        for index in instances.indices {
            try await poll(within: 20, { "/ready to answer \(status) on instance \(index)" }) {
                try await get("/ready", on: index).status == status
            }
        }
    }

    /// `GET path` on instance `index`: status and JSON body.
    func get(_ path: String, on index: Int) async throws -> (status: Int, json: [String: Any]) {
        let response = try await HTTPClient.request(port: instances[index].port, method: "GET", target: path, headers: [], body: nil)
        return (response.status, try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:])
    }

    /// `POST path` with the admin secret on instance `index`: status and JSON body.
    func postAsAdmin(_ path: String, body: String, on index: Int) async throws -> (status: Int, json: [String: Any]) {
        let response = try await HTTPClient.request(
            port: instances[index].port, method: "POST", target: path, headers: [("x-admin-secret", adminSecret)], body: body)
        return (response.status, try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:])
    }

    /// The `cluster` member of instance `index`'s `/health`.
    struct ClusterHealth {
        var instances = -1, peers = -1
        var redis = ""
    }

    /// Polls instance `index`'s `/health` until its `cluster` member satisfies `condition`.
    func awaitCluster(on index: Int, within seconds: Double = 15, _ what: String, _ condition: (ClusterHealth) -> Bool) async throws {
        var last = ClusterHealth()
        try await poll(within: seconds, { "\(instances[index].id)'s /health cluster to show \(what); last \(last)" }) {
            let cluster = try await get("/health", on: index).json["cluster"] as? [String: Any] ?? [:]
            last = ClusterHealth(
                instances: cluster["instances"] as? Int ?? -1, peers: cluster["peers"] as? Int ?? -1, redis: cluster["redis"] as? String ?? "")
            return condition(last)
        }
    }
}
