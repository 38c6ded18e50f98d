import Foundation
import NIOWebSocket
import SignalServer
import TestServices
import Testing

/// `GET /metrics` over real sockets: the counters and gauges follow the traffic, `METRICS_TOKEN`
/// guards the route, `METRICS=false` removes it, and the standalone server adds Hummingbird's
/// HTTP request metrics.
@Suite struct MetricsTests {
    /// One scrape: every sample line as `name{labels}` → value.
    struct Scrape {
        let samples: [String: Double]

        init(_ text: String) {
            var samples: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                samples[String(line[..<space])] = value
            }
            self.samples = samples
        }

        subscript(_ sample: String) -> Double { samples[sample] ?? 0 }
    }

    static func scrape(_ server: TestServer, token: String? = nil) async throws -> Scrape {
        let response = try await server.http("GET", "/metrics", headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        try #require(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        return Scrape(String(decoding: response.body, as: UTF8.self))
    }

    /// Scrapes until `condition` holds: a socket's close is counted on its event loop when the
    /// connection is gone, with nothing on the wire to await.
    static func awaitScrape(_ server: TestServer, _ what: String, _ condition: (Scrape) -> Bool) async throws -> Scrape {
        var last = Scrape("")
        try await poll(within: 10, { "/metrics to show \(what); last: \(last.samples.filter { $0.key.hasPrefix("signal_") })" }) {
            last = try await scrape(server)
            return condition(last)
        }
        return last
    }

    @Test func countersAndGaugesMoveWithTraffic() async throws {
        try await TestServer.with { server in
            let before = try await Self.scrape(server)
            #expect(before["signal_open_sockets"] == 0)
            #expect(before["signal_relayed_messages_total{type=\"offer\"}"] == 0)

            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            var scrape = try await Self.scrape(server)
            #expect(scrape["signal_open_sockets"] == 2)
            #expect(scrape["signal_registered_peers{role=\"normal\"}"] == 2)
            #expect(scrape["signal_registered_peers{role=\"consumer\"}"] == 0)
            #expect(scrape["signal_rooms"] == 1)
            #expect(scrape["signal_token_verify_duration_seconds_count"] == 2)

            for _ in 0..<16 { try await alice.relay(to: "bob", via: bob) }
            try await bob.send(json: ["type": "answer", "to": "alice", "sdp": "a"])
            #expect(try await alice.nextJSON()["type"] as? String == "answer")
            try await alice.send(json: ["type": "offer", "to": "ghost", "sdp": "x"])
            try await alice.expectError("PEER_NOT_FOUND")
            try await alice.send("{not json")
            try await alice.expectError("BAD_MESSAGE")
            scrape = try await Self.scrape(server)
            #expect(scrape["signal_relayed_messages_total{type=\"offer\"}"] == 16)
            #expect(scrape["signal_relayed_messages_total{type=\"answer\"}"] == 1)
            #expect(scrape["signal_relayed_messages_total{type=\"ice-candidate\"}"] == 0)
            #expect(scrape["signal_error_frames_total{code=\"PEER_NOT_FOUND\"}"] == 1)
            #expect(scrape["signal_error_frames_total{code=\"BAD_MESSAGE\"}"] == 1)
            // Every 16th relayed message is timed.
            #expect(scrape["signal_relay_duration_seconds_count"] == 1)
            // Counts taken from the event loops are added once, not again at the next scrape.
            #expect(try await Self.scrape(server)["signal_relayed_messages_total{type=\"offer\"}"] == 16)

            let secret = ["x-admin-secret": TestServer.adminSecret]
            for _ in 0..<2 {
                #expect(try await server.http("POST", "/token", headers: secret, body: #"{"ttl":"1h","subject":"r"}"#).status == 201)
            }
            #expect(try await server.http("POST", "/token", headers: ["x-admin-secret": "wrong-secret-0123456789"]).status == 401)
            scrape = try await Self.scrape(server)
            #expect(scrape["signal_tokens_minted_total"] == 2)
            #expect(scrape["signal_token_requests_unauthorized_total"] == 1)
            // Answered in the connection's pipeline, yet in the HTTP request series as the router's requests are.
            #expect(scrape["signal_http_requests_total{route=\"/token\",method=\"POST\",status=\"201\"}"] == 2)
            #expect(scrape["signal_http_request_errors_total{route=\"/token\",method=\"POST\",status=\"401\"}"] == 1)

            let forged = try await server.connect(["token": "not.a.token", "nodeId": "mallory"])
            try await forged.expectClose(4003)
            try await alice.send(bytes: [0x03, 0xE8], opcode: .connectionClose)  // 1000
            try await alice.expectClose(1000)
            scrape = try await Self.awaitScrape(server, "alice's and mallory's closes") {
                $0["signal_sockets_closed_total{code=\"1000\"}"] == 1 && $0["signal_sockets_closed_total{code=\"4003\"}"] == 1
            }
            #expect(scrape["signal_admissions_refused_total{reason=\"invalid_token\"}"] == 1)
            #expect(scrape["signal_registered_peers{role=\"normal\"}"] == 1)
            #expect(scrape["signal_open_sockets"] == 1)
        }
    }

    @Test func metricsTokenIsRequiredAsBearer() async throws {
        let token = "metrics-token-0123456789"
        try await TestServer.with({ $0.metricsToken = token }) { server in
            for headers in [[:], ["Authorization": "Bearer wrong-token"], ["Authorization": token], ["x-admin-secret": token]] {
                let refused = try await server.httpJSON("GET", "/metrics", headers: headers)
                #expect(refused.status == 401, "\(headers)")
                #expect(refused.json["statusCode"] as? Int == 401)
                #expect(refused.json["error"] as? String == "Unauthorized")
            }
            let response = try await server.http("GET", "/metrics", headers: ["Authorization": "bearer \(token)"])
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(String(decoding: response.body, as: UTF8.self).contains("# TYPE signal_open_sockets gauge\n"))
        }
    }

    @Test func metricsOffAnswers404AndCountsNothing() async throws {
        try await TestServer.with({ $0.metrics = false }) { server in
            #expect(server.service.metrics == nil)
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await alice.relay(to: "bob", via: bob)
            let response = try await server.httpJSON("GET", "/metrics")
            #expect(response.status == 404)
            #expect(response.json["message"] as? String == "Route GET:/metrics not found")
        }
    }

    /// The standalone server bootstraps swift-metrics with its registry, so Hummingbird's
    /// `MetricsMiddleware` counts every HTTP request into `/metrics`.
    @Test func standaloneServerServesHTTPRequestMetrics() async throws {
        let token = "metrics-token-0123456789"
        let directory = try CommandLineTool.temporaryDirectory()
        let server = RunningProcess(
            ["serve", "--host", "127.0.0.1", "--port", "0"], in: directory,
            environment: CommandLineTool.environment(["AUTH_DISABLED": "true", "METRICS_TOKEN": token]))
        try server.start()
        defer { server.signal(SIGKILL) }
        let port = try #require(Int(try await server.awaitOutput(matching: #"listening on http://127\.0\.0\.1:(\d+)"#)))
        func get(_ path: String) async throws -> (status: Int, body: String) {
            let response = try await HTTPClient.request(
                port: port, method: "GET", target: path, headers: [("Authorization", "Bearer \(token)")], body: nil)
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }
        #expect(try await get("/health").status == 200)
        #expect(try await get("/health").status == 200)
        #expect(try await get("/nowhere").status == 404)
        // A request is counted once its response is written: the next scrape may come first.
        var scrape = Scrape("")
        try await poll(within: 10, { "the /health requests in /metrics" }) {
            scrape = Scrape(try await get("/metrics").body)
            return scrape["signal_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"}"] == 2
        }
        #expect(scrape["signal_http_request_duration_seconds_count{route=\"/health\",method=\"GET\",status=\"200\"}"] == 2)
        #expect(scrape["signal_http_requests_total{route=\"NotFound\",method=\"GET\",status=\"404\"}"] == 1)
        #expect(scrape["signal_open_sockets"] == 0)
    }
}
