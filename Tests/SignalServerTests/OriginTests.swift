import Foundation
import SignalServer
import Testing

/// `ALLOWED_ORIGINS`: an upgrade from a page of another origin gets 403; HTTP responses carry
/// CORS headers for the listed origins only.
@Suite struct OriginTests {
    static let allowed = "https://app.example.com"

    @Test func anUpgradeFromAnUnlistedOriginGets403() async throws {
        try await TestServer.with({ $0.allowedOrigins = [Self.allowed, "http://localhost:3000"] }) { server in
            let target = TestServer.target(["token": server.token(subject: "r"), "nodeId": "n"])
            let (refused, answer) = try await rawUpgrade(port: server.port, target, adding: ["Origin: https://evil.example"])
            expectJSONError(answer, 403)
            _ = try await refused.readUntilClosed()
            for origin in ["Origin: \(Self.allowed)", "Origin: http://localhost:3000"] {
                let (socket, answer) = try await rawUpgrade(port: server.port, target, adding: [origin])
                #expect(answer.status == 101, "\(origin)")
                await socket.close()
            }
            // Not from a browser page (no Origin): not a cross-origin request, admitted.
            let (native, nativeAnswer) = try await rawUpgrade(port: server.port, target)
            #expect(nativeAnswer.status == 101)
            await native.close()
        }
    }

    @Test func httpResponsesCarryCORSHeadersForListedOriginsOnly() async throws {
        try await TestServer.with({ $0.allowedOrigins = [Self.allowed] }) { server in
            let listed = try await server.http("GET", "/health", headers: ["Origin": Self.allowed])
            #expect(listed.status == 200)
            #expect(listed.headers["access-control-allow-origin"] == Self.allowed)
            let other = try await server.http("GET", "/health", headers: ["Origin": "https://evil.example"])
            #expect(other.status == 200)
            #expect(other.headers["access-control-allow-origin"] == nil)
            let preflight = try await server.http(
                "OPTIONS", "/token", headers: ["Origin": Self.allowed, "Access-Control-Request-Method": "POST"])
            #expect(preflight.headers["access-control-allow-origin"] == Self.allowed)
            #expect(preflight.headers["access-control-allow-methods"]?.contains("POST") == true)
            // Errors too: a page of the origin can read why it was refused.
            let unauthorized = try await server.http("POST", "/token", headers: ["Origin": Self.allowed], body: "{}")
            #expect(unauthorized.status == 401)
            #expect(unauthorized.headers["access-control-allow-origin"] == Self.allowed)
        }
    }

    @Test func withoutAllowedOriginsAnyOriginUpgradesAsBefore() async throws {
        try await TestServer.with { server in
            let target = TestServer.target(["token": server.token(subject: "r"), "nodeId": "n"])
            let (socket, answer) = try await rawUpgrade(port: server.port, target, adding: ["Origin: https://anywhere.example"])
            #expect(answer.status == 101)
            await socket.close()
        }
    }
}
