import Foundation
import SignalServer
import Signaling
import Testing

/// `POST /token`.
@Suite struct TokenEndpointTests {
    static let unauthorizedBody = #"{"statusCode":401,"error":"Unauthorized","message":"Unauthorized"}"#

    /// A successful response, checked for the fields every 201 has, with the verified claims.
    struct Issued {
        let token: String
        let expiresAt: String
        let subject: String
        let claims: RoomTokenClaims
    }

    static func issue(
        _ server: TestServer, headers: [String: String] = ["x-admin-secret": TestServer.adminSecret], body: String
    ) async throws -> Issued {
        let response = try await server.http("POST", "/token", headers: headers, body: body)
        try #require(response.status == 201, "body: \(String(decoding: response.body, as: UTF8.self))")
        #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
        let json = try #require(HTTPCheck.object(response.body))
        #expect(Set(json.keys) == ["token", "expiresAt", "subject"])
        let token = try #require(json["token"] as? String)
        let expiresAt = try #require(json["expiresAt"] as? String)
        let subject = try #require(json["subject"] as? String)
        let verifier = try #require(server.service.configuration.tokenVerifier)
        let claims = try verifier.verify(token)
        return Issued(token: token, expiresAt: expiresAt, subject: subject, claims: claims)
    }

    /// Expects a 401 with exactly the documented body.
    static func expectUnauthorized(_ response: (status: Int, headers: [String: String], body: Data)) {
        #expect(response.status == 401)
        #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
        #expect(String(decoding: response.body, as: UTF8.self) == unauthorizedBody)
    }

    // MARK: Success

    @Test func issuesAVerifiableTokenForTheTTLAndSubject() async throws {
        try await TestServer.with { server in
            let before = Date()
            let issued = try await Self.issue(server, body: #"{"ttl":"24h","subject":"user-123"}"#)
            #expect(issued.subject == "user-123")
            #expect(issued.claims.subject == "user-123")
            #expect(issued.claims.issuer == "aikofy:client-db-sync")
            #expect(issued.claims.audience.contains("aikofy:client-db"))
            let issuedAt = try #require(issued.claims.issuedAt)
            #expect(issued.claims.expiresAt.timeIntervalSince(issuedAt) == 86_400)
            #expect(issuedAt >= before.addingTimeInterval(-1) && issuedAt <= Date().addingTimeInterval(1))
            #expect(HTTPCheck.isISO8601Milliseconds(issued.expiresAt), "expiresAt is \(issued.expiresAt)")
            let expiresAt = try #require(HTTPCheck.date(issued.expiresAt))
            #expect(abs(expiresAt.timeIntervalSince(issued.claims.expiresAt)) < 1)
            // Signed with the server's key, under its kid.
            let header = try #require(issued.token.split(separator: ".").first.flatMap { Base64.decode($0) })
            let headerJSON = try #require(HTTPCheck.object(Data(header)))
            #expect(headerJSON["alg"] as? String == "EdDSA")
            #expect(headerJSON["kid"] as? String == server.keys?.keyID)
        }
    }

    @Test func subjectDefaultsToDefault() async throws {
        try await TestServer.with { server in
            let issued = try await Self.issue(server, body: #"{"ttl":"1h"}"#)
            #expect(issued.subject == "default")
            #expect(issued.claims.subject == "default")
            let issuedAt = try #require(issued.claims.issuedAt)
            #expect(issued.claims.expiresAt.timeIntervalSince(issuedAt) == 3_600)
        }
    }

    @Test func numericSubjectBecomesItsDecimalString() async throws {
        try await TestServer.with { server in
            let issued = try await Self.issue(server, body: #"{"ttl":"1h","subject":123}"#)
            #expect(issued.subject == "123")
            #expect(issued.claims.subject == "123")
        }
    }

    @Test func subjectOf256CharactersIsAccepted() async throws {
        let subject = String(repeating: "s", count: 256)
        try await TestServer.with { server in
            let issued = try await Self.issue(server, body: #"{"ttl":"1h","subject":"\#(subject)"}"#)
            #expect(issued.subject == subject)
            #expect(issued.claims.subject == subject)
        }
    }

    @Test(arguments: ["1.5 days", "+30 min", "2 weeks from now", ".5h", "90S"])
    func acceptsTheJSServersTTLForms(ttl: String) async throws {
        let expected = try TimeToLive(parsing: ttl).seconds
        try await TestServer.with { server in
            let issued = try await Self.issue(server, body: #"{"ttl":"\#(ttl)"}"#)
            let issuedAt = try #require(issued.claims.issuedAt)
            #expect(Int(issued.claims.expiresAt.timeIntervalSince(issuedAt)) == expected)
        }
    }

    @Test func ttlEqualToTheMaximumIsAccepted() async throws {
        try await TestServer.with({ $0.maxTokenTTL = TimeToLive(seconds: 3600) }) { server in
            let issued = try await Self.issue(server, body: #"{"ttl":"1h"}"#)
            let issuedAt = try #require(issued.claims.issuedAt)
            #expect(issued.claims.expiresAt.timeIntervalSince(issuedAt) == 3_600)
        }
    }

    // MARK: Where the secret comes from

    @Test(arguments: [
        ["x-admin-secret": TestServer.adminSecret],
        ["Authorization": "Bearer \(TestServer.adminSecret)"],
        ["Authorization": "bearer \(TestServer.adminSecret)"],
        ["Authorization": "BEARER \(TestServer.adminSecret)"],
        ["Authorization": TestServer.adminSecret],
        ["X-Admin-Secret": TestServer.adminSecret],
    ])
    func acceptsTheSecretFrom(headers: [String: String]) async throws {
        try await TestServer.with { server in
            let issued = try await Self.issue(server, headers: headers, body: #"{"ttl":"1h","subject":"room"}"#)
            #expect(issued.claims.subject == "room")
        }
    }

    @Test func xAdminSecretTakesPrecedenceOverAuthorization() async throws {
        try await TestServer.with { server in
            // Right x-admin-secret, wrong Authorization: the header that counts is right.
            let issued = try await Self.issue(
                server, headers: ["x-admin-secret": TestServer.adminSecret, "Authorization": "Bearer wrong-secret-wrong-secret"],
                body: #"{"ttl":"1h"}"#)
            #expect(issued.subject == "default")
            // Wrong x-admin-secret, right Authorization: refused, Authorization is not consulted.
            let refused = try await server.http(
                "POST", "/token",
                headers: ["x-admin-secret": "wrong-secret-wrong-secret", "Authorization": "Bearer \(TestServer.adminSecret)"],
                body: #"{"ttl":"1h"}"#)
            Self.expectUnauthorized(refused)
        }
    }

    @Test(arguments: [
        [:],
        ["x-admin-secret": "wrong-secret-wrong-secret"],
        ["x-admin-secret": ""],
        ["x-admin-secret": String(TestServer.adminSecret.dropLast())],
        ["x-admin-secret": TestServer.adminSecret + "x"],
        ["x-admin-secret": TestServer.adminSecret.uppercased()],
        ["Authorization": "Bearer wrong-secret-wrong-secret"],
        ["Authorization": "Basic \(TestServer.adminSecret)"],
        ["Authorization": "Bearer"],
        ["Authorization": ""],
    ])
    func refusesAWrongOrMissingSecret(headers: [String: String]) async throws {
        try await TestServer.with { server in
            Self.expectUnauthorized(try await server.http("POST", "/token", headers: headers, body: #"{"ttl":"1h"}"#))
        }
    }

    @Test(arguments: [#"{"ttl":"#, "not json", #"{"ttl":"1 fortnight"}"#, #"{"subject":true}"#, "", "[]"])
    func checksTheSecretBeforeTheBody(body: String) async throws {
        try await TestServer.with { server in
            Self.expectUnauthorized(try await server.http("POST", "/token", body: body))
            Self.expectUnauthorized(
                try await server.http("POST", "/token", headers: ["x-admin-secret": "wrong-secret-wrong-secret"], body: body))
        }
    }

    // MARK: Bad bodies

    /// Bodies that must be refused with a 400 whose message contains the given word.
    static let badBodies: [(body: String, names: String)] = [
        (#"{"ttl":"#, "JSON"),
        ("not json", "JSON"),
        ("", "JSON"),
        ("[]", "JSON object"),
        (#""1h""#, "JSON object"),
        ("42", "JSON object"),
        ("null", "JSON object"),
        ("{}", "ttl"),
        (#"{"subject":"room"}"#, "ttl"),
        (#"{"ttl":3600}"#, "ttl"),
        (#"{"ttl":null}"#, "ttl"),
        (#"{"ttl":true}"#, "ttl"),
        (#"{"ttl":["1h"]}"#, "ttl"),
        (#"{"ttl":"0s"}"#, "ttl"),
        (#"{"ttl":"0.4s"}"#, "ttl"),
        (#"{"ttl":"-1h"}"#, "ttl"),
        (#"{"ttl":"1h ago"}"#, "ttl"),
        (#"{"ttl":"1 fortnight"}"#, "ttl"),
        (#"{"ttl":""}"#, "ttl"),
        (#"{"ttl":"1h","subject":""}"#, "subject"),
        (#"{"ttl":"1h","subject":"\#(String(repeating: "s", count: 257))"}"#, "subject"),
        (#"{"ttl":"1h","subject":true}"#, "subject"),
        (#"{"ttl":"1h","subject":null}"#, "subject"),
        (#"{"ttl":"1h","subject":["a"]}"#, "subject"),
        (#"{"ttl":"1h","subject":{}}"#, "subject"),
    ]

    @Test(arguments: badBodies)
    func refusesABadBodyNamingTheField(body: String, names: String) async throws {
        try await TestServer.with { server in
            let response = try await server.http(
                "POST", "/token", headers: ["x-admin-secret": TestServer.adminSecret], body: body)
            Self.expectBadRequest(response, naming: names)
        }
    }

    @Test func ttlOverTheMaximumIsRefused() async throws {
        try await TestServer.with({ $0.maxTokenTTL = TimeToLive(seconds: 3600) }) { server in
            for ttl in ["2h", "3601s", "1y"] {
                let response = try await server.http(
                    "POST", "/token", headers: ["x-admin-secret": TestServer.adminSecret], body: #"{"ttl":"\#(ttl)"}"#)
                Self.expectBadRequest(response, naming: "ttl")
                let message = HTTPCheck.object(response.body)?["message"] as? String
                #expect(message?.contains("3600") == true, "message: \(message ?? "-")")
            }
        }
    }

    @Test func defaultMaximumIsOneYear() async throws {
        try await TestServer.with { server in
            let issued = try await Self.issue(server, body: #"{"ttl":"1y"}"#)
            let issuedAt = try #require(issued.claims.issuedAt)
            #expect(issued.claims.expiresAt.timeIntervalSince(issuedAt) == 31_557_600)
            let response = try await server.http(
                "POST", "/token", headers: ["x-admin-secret": TestServer.adminSecret], body: #"{"ttl":"366d"}"#)
            Self.expectBadRequest(response, naming: "ttl")
        }
    }

    @Test func oversizedBodyIsAJSON413() async throws {
        try await TestServer.with { server in
            let body = #"{"ttl":"1h","subject":"\#(String(repeating: "x", count: 70_000))"}"#
            let response = try await server.http(
                "POST", "/token", headers: ["x-admin-secret": TestServer.adminSecret], body: body)
            #expect(response.status == 413)
            #expect(response.headers["content-type"] == HTTPCheck.jsonContentType)
            let json = try #require(HTTPCheck.object(response.body))
            #expect(HTTPCheck.integer(json["statusCode"]) == 413)
            #expect((json["message"] as? String)?.contains("body") == true)
            // Without the secret the size does not matter: still the 401.
            Self.expectUnauthorized(try await server.http("POST", "/token", body: body))
        }
    }

    static func expectBadRequest(
        _ response: (status: Int, headers: [String: String], body: Data), naming word: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 400, "body: \(text)", sourceLocation: sourceLocation)
        #expect(response.headers["content-type"] == HTTPCheck.jsonContentType, sourceLocation: sourceLocation)
        let json = HTTPCheck.object(response.body)
        #expect(json.map { Set($0.keys) } == ["statusCode", "error", "message"], sourceLocation: sourceLocation)
        #expect(HTTPCheck.integer(json?["statusCode"]) == 400, sourceLocation: sourceLocation)
        #expect(json?["error"] as? String == "Bad Request", sourceLocation: sourceLocation)
        let message = json?["message"] as? String ?? ""
        #expect(message.contains(word), "message: \(message)", sourceLocation: sourceLocation)
    }
}
