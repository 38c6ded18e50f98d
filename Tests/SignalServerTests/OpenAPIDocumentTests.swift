import Foundation
import SignalServer
import Testing

/// `GET /openapi.yaml` serves `docs/openapi.yaml` byte for byte from inside the binary.
@Suite struct OpenAPIDocumentTests {
    @Test func servesDocsOpenAPIYAML() async throws {
        try await TestServer.with { server in
            let response = try await server.http("GET", "/openapi.yaml")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/yaml")
            #expect(response.body == (try SourceTree.contents(of: "docs/openapi.yaml")))
            #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("openapi: 3.1.0\n"))
        }
    }

    @Test func isServedWithAuthOff() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let response = try await server.http("GET", "/openapi.yaml")
            #expect(response.status == 200)
            #expect(response.body == (try SourceTree.contents(of: "docs/openapi.yaml")))
        }
    }
}
