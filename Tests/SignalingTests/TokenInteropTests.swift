import Foundation
import Signaling
import Testing

/// Room tokens against an independent EdDSA JWT implementation: Python's `joserfc`, driven
/// through `Tests/interop/jwt_interop.py`. Missing Python or joserfc fails these tests: they
/// are the only evidence that our tokens are standard JWS, so they must never pass vacuously.
@Suite struct TokenInteropTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("interop/jwt_interop.py")

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `python3 jwt_interop.py arguments…` and records a clear issue when Python or
    /// joserfc is missing.
    static func python(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Outputs are a few hundred bytes: reading before waiting cannot fill a pipe and block.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let run = Run(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            stderr: String(decoding: err, as: UTF8.self))
        if run.status == 127 {
            Issue.record("python3 is not on PATH: the interop tests need python3 with joserfc installed", sourceLocation: sourceLocation)
        } else if run.status == 3 {
            Issue.record("joserfc is missing (pip install joserfc): \(run.stderr)", sourceLocation: sourceLocation)
        } else if run.status == 2 {
            Issue.record("jwt_interop.py usage error: \(run.stderr)", sourceLocation: sourceLocation)
        }
        return run
    }

    let verifier = TokenVerifier(publicKey: RFC8037.keyPair.publicKey, issuer: Claims.issuer, audience: Claims.audience)

    @Test func pythonAndJoserfcAreInstalled() throws {
        #expect(FileManager.default.fileExists(atPath: Self.script.path), "missing \(Self.script.path)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import joserfc"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 with joserfc is required for the interop tests")
    }

    @Test func aPythonTokenVerifiesInSwift() throws {
        let now = 1_700_000_000
        let claims = #"{"sub":"room-py","iat":\#(now),"iss":"\#(Claims.issuer)","aud":"\#(Claims.audience)","exp":\#(now + 3_600)}"#
        let run = try Self.python(["sign", RFC8037.privateJWK, claims])
        try #require(run.status == 0, "python sign failed: \(run.stderr)")
        let token = run.stdout
        #expect(decodedSegment(token, 0) == ["alg": .string("EdDSA")], "the JS server's header")

        let verified = try verifier.verify(token, now: Date(timeIntervalSince1970: TimeInterval(now)))
        #expect(verified.subject == "room-py")
        #expect(verified.issuer == Claims.issuer)
        #expect(verified.audience == [Claims.audience])
        #expect(verified.issuedAt == Date(timeIntervalSince1970: TimeInterval(now)))
        #expect(verified.expiresAt == Date(timeIntervalSince1970: TimeInterval(now + 3_600)))
    }

    @Test func aPythonTokenFromAGeneratedKeyVerifiesInSwift() throws {
        let keys = SigningKeyPair.generate()
        let claims = #"{"sub":"generated","iss":"\#(Claims.issuer)","aud":["x","\#(Claims.audience)"],"exp":4000000000}"#
        let run = try Self.python(["sign", try #require(keys.jwk.privateJSON), claims])
        try #require(run.status == 0, "python sign failed: \(run.stderr)")
        let own = TokenVerifier(publicKey: keys.publicKey, issuer: Claims.issuer, audience: Claims.audience)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(try own.verify(run.stdout, now: now).audience == ["x", Claims.audience])
        #expect(throws: TokenError.badSignature) { try verifier.verify(run.stdout, now: now) }
    }

    @Test func aSwiftTokenVerifiesInPython() throws {
        let keys = SigningKeyPair.generate()
        // joserfc checks `exp` against the real clock, so issue from the real clock, in whole seconds.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let issued = TokenIssuer(keys: keys, issuer: Claims.issuer, audience: Claims.audience)
            .issue(subject: "room-swift", timeToLive: TimeToLive(seconds: 3_600), now: now)

        // `publicJSON` is what `/public-key` serves: a client library must accept it as is.
        let run = try Self.python(["verify", keys.jwk.publicJSON, issued.token])
        try #require(run.status == 0, "python verify failed: \(run.stderr)")
        let printed = try #require(JSONValue(parsing: Array(run.stdout.utf8))?.objectValue, "not JSON: \(run.stdout)")
        let ours = try #require(decodedSegment(issued.token, 1))
        #expect(printed == ours)
        #expect(printed["sub"] == .string("room-swift"))
        #expect(printed["iss"] == .string(Claims.issuer))
        #expect(printed["aud"] == .string(Claims.audience))
        #expect(printed["iat"] == .number(now.timeIntervalSince1970))
        #expect(printed["exp"] == .number(now.timeIntervalSince1970 + 3_600))
        let tokenID = try #require(printed["jti"]?.stringValue)
        #expect(try verifier(for: keys).verify(issued.token, now: now).tokenID == tokenID)
    }

    @Test func pythonRefusesASwiftTokenUnderAnotherKey() throws {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let token = TokenIssuer(keys: SigningKeyPair.generate(), issuer: Claims.issuer, audience: Claims.audience)
            .issue(subject: "room", timeToLive: TimeToLive(seconds: 3_600), now: now).token
        let run = try Self.python(["verify", RFC8037.publicJWK, token])
        #expect(run.status == 1, "python must refuse a token signed by another key: \(run.stdout)")
    }

    func verifier(for keys: SigningKeyPair) -> TokenVerifier {
        TokenVerifier(publicKey: keys.publicKey, issuer: Claims.issuer, audience: Claims.audience)
    }
}
