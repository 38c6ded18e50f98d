import Foundation
import Testing

/// Every unmatched route: the JSON 404 of SPEC § HTTP.
@Suite struct NotFoundHTTPTests {
    @Test func unknownPathIsAJSON404NamingMethodAndPath() async throws {
        try await TestServer.with { server in
            let response = try await server.http("GET", "/nope")
            #expect(response.status == 404)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            #expect(
                String(decoding: response.body, as: UTF8.self)
                    == #"{"statusCode":404,"error":"Not Found","message":"Route GET:/nope not found"}"#)
        }
    }

    @Test func queryStringIsNeverEchoed() async throws {
        try await TestServer.with { server in
            let response = try await server.http("GET", "/nope?token=secret123&room=r")
            #expect(response.status == 404)
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(!text.contains("secret123"))
            #expect(!text.contains("token="))
            let json = try #require(HTTPCheck.object(response.body))
            #expect(json["message"] as? String == "Route GET:/nope not found")
        }
    }

    @Test(arguments: [
        ("POST", "/health"), ("DELETE", "/health"), ("GET", "/token"), ("PUT", "/token"), ("POST", "/public-key"),
    ])
    func wrongMethodOnAKnownPathIsAJSON404(method: String, path: String) async throws {
        try await TestServer.with { server in
            let response = try await server.http(method, path, body: method == "GET" ? nil : "{}")
            #expect(response.status == 404)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            let json = try #require(HTTPCheck.object(response.body))
            #expect(HTTPCheck.integer(json["statusCode"]) == 404)
            #expect(json["error"] as? String == "Not Found")
            #expect(json["message"] as? String == "Route \(method):\(path) not found")
        }
    }

    @Test func nestedAndAuthDisabledPathsAreJSON404s() async throws {
        try await TestServer.with(authDisabled: true) { server in
            let response = try await server.http("GET", "/a/b/c")
            #expect(response.status == 404)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            let json = try #require(HTTPCheck.object(response.body))
            #expect(json["message"] as? String == "Route GET:/a/b/c not found")
        }
    }

    @Test func pathIsJSONEscapedInTheMessage() async throws {
        try await TestServer.with { server in
            // A quote and a backslash (percent-encoded on the wire) must not break the JSON,
            // whether or not the path is echoed decoded.
            let response = try await server.http("GET", "/we%22ird%5Cpath")
            #expect(response.status == 404)
            let json = try #require(HTTPCheck.object(response.body))
            // The path as it came on the wire, like the JS server's framework.
            #expect(json["message"] as? String == "Route GET:/we%22ird%5Cpath not found")
        }
    }
}
