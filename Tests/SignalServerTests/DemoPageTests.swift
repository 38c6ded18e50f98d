import Foundation
import SignalServer
import Testing

/// `GET /demo` serves `Sources/SignalServer/HTTP/demo.html` byte for byte from inside the binary
/// (README § Demo page); `DEMO_PAGE=false` turns it into the JSON 404.
@Suite struct DemoPageTests {
    @Test func servesTheEmbeddedFile() async throws {
        try await TestServer.with { server in
            let response = try await server.http("GET", "/demo")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/html; charset=utf-8")
            #expect(response.headers["cache-control"] == "no-store")
            #expect(response.headers["content-security-policy"]?.hasPrefix("default-src 'none'; script-src 'unsafe-inline'") == true)
            #expect(response.headers["x-content-type-options"] == "nosniff")
            #expect(response.body == (try SourceTree.contents(of: "Sources/SignalServer/HTTP/demo.html")))
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(text.contains("<title>signal-server demo</title>"))
            #expect(text.contains("window.__state"))
        }
    }

    @Test func isTheJSON404WhenTurnedOff() async throws {
        try await TestServer.with({ $0.demoPage = false }) { server in
            let response = try await server.httpJSON("GET", "/demo")
            #expect(response.status == 404)
            #expect(response.json["message"] as? String == "Route GET:/demo not found")
        }
    }
}
