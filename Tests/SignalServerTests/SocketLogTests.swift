import Foundation
import Logging
import Signaling
import TestServices
import Testing

/// Every refused or closed `/signal` socket leaves one info line with its code, reason, room and
/// nodeId, escaped, and never its token.
@Suite struct SocketLogTests {
    @Test func everyRefusalLeavesOneInfoLineWithoutTheToken() async throws {
        try await TestServer.with(logLevel: .info) { server in
            let expired = server.token(subject: "r", ttl: 60, now: Date().addingTimeInterval(-3600))
            let cases: [(query: [String: String], register: [String: Any]?, code: UInt16, reason: String)] = [
                (["room": "", "nodeId": "n-missing"], nil, 4001, "Missing token"),
                (["token": expired, "nodeId": "n-expired"], nil, 4003, "Invalid or expired token"),
                (["token": server.token(subject: "r"), "room": "other", "nodeId": "n-mismatch"], nil, 4003, "Room does not match token subject"),
                (["room": "r", "nodeId": "n-tokenless"], [:], 4001, "Normal Client requires a room token"),
                (["room": "r", "nodeId": "n-consumer"], ["role": "consumer"], 4003, "consumer auth not configured"),
            ]
            for refusal in cases {
                let socket = try await server.connect(refusal.query)
                if let fields = refusal.register { try await socket.register(fields) }
                try await socket.expectClose(refusal.code, refusal.reason)
                let nodeId = refusal.query["nodeId"]!
                let line = try await server.logs.line { $0.contains("nodeId=\(nodeId)") && $0.contains(" code=") }
                #expect(line.hasPrefix("info socket refused") || line.hasPrefix("info socket closed"), "\(line)")
                #expect(line.contains("code=\(refusal.code)") && line.contains("reason=\(refusal.reason)"), "\(line)")
            }

            // 4409: a token-less socket asks for a registered peer's nodeId.
            let (_, _) = try await server.joinNormal(room: "r", nodeId: "taken")
            let squatter = try await server.connect(["room": "r", "nodeId": "taken"])
            try await squatter.expectClose(4409, "nodeId already in use")
            let line = try await server.logs.line { $0.contains("code=4409") }
            #expect(line.hasPrefix("info socket refused") && line.contains("room=r") && line.contains("nodeId=taken"), "\(line)")

            let tokens = [expired] + cases.compactMap { $0.query["token"] }
            for token in tokens {
                #expect(!server.logs.lines.contains { $0.contains(token) || $0.contains(token.split(separator: ".")[2]) })
            }
        }
    }

    @Test func clientSuppliedValuesAreEscapedInLogLines() async throws {
        try await TestServer.with(authDisabled: true, logLevel: .info) { server in
            // A control character is refused 4400, and the refusal's line shows it escaped.
            let forged = try await server.connect(["room": "r", "nodeId": "forged\ninfo socket opened room=admin"])
            try await forged.expectClose(4400, "invalid room or nodeId")
            let line = try await server.logs.line { $0.contains("socket refused") && $0.contains("forged") }
            #expect(line.contains(#"nodeId=forged\ninfo socket opened room=admin"#), "\(line)")
            #expect(!server.logs.lines.contains { $0.hasPrefix("info socket opened room=admin") })
            // Quotes and backslashes are escaped too.
            let quoted = try await server.connect(["room": "r", "nodeId": #"a"b\c"#])
            try await quoted.register()
            _ = try await quoted.nextJSON()
            let opened = try await server.logs.line { $0.contains("socket opened") && $0.contains("nodeId=a") }
            #expect(opened.contains(#"nodeId=a\"b\\c"#), "\(opened)")
        }
    }
}
