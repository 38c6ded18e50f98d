import Foundation
import Logging
import NIOCore
import NIOSSL
import SignalServer
import Signaling
import TestServices
import Testing

/// `TLS_CERT_FILE` / `TLS_KEY_FILE` on the wire: the whole token → `/signal` → relay flow over
/// `https://` and `wss://` with a real TLS client, the SIGHUP reload (live sockets kept, new
/// connections get the new certificate, a failed reload keeps the old one), the request
/// deadline over the handshake, and plain HTTP on the TLS port. Certificates come from
/// throwaway CAs made with `openssl` at test time.
@Suite struct TLSTests {
    /// The two files the server is configured with; a renewal replaces what they hold.
    struct ServedFiles {
        let certificateFile: URL
        let keyFile: URL

        /// Fresh paths holding `issued`.
        init(_ issued: TestCertificateAuthority.Issued) throws {
            let directory = try CommandLineTool.temporaryDirectory()
            certificateFile = directory.appendingPathComponent("fullchain.pem")
            keyFile = directory.appendingPathComponent("privkey.pem")
            try install(issued)
        }

        /// Replaces both files with `issued`'s, as a renewal does.
        func install(_ issued: TestCertificateAuthority.Issued) throws {
            try Data(contentsOf: issued.certificateFile).write(to: certificateFile)
            try Data(contentsOf: issued.keyFile).write(to: keyFile)
        }

        /// The server's view of them.
        func context() throws -> ReloadableTLSContext {
            try ReloadableTLSContext(certificateFile: certificateFile.path, keyFile: keyFile.path)
        }
    }

    /// `from` sends an offer to `to`, which receives it from `fromID`.
    static func relay(from: TestSocket, _ fromID: String, to: TestSocket, _ toID: String) async throws {
        try await from.send(json: ["type": "offer", "to": toID, "sdp": "v=0 \(fromID)"])
        let offer = try await to.nextJSON()
        #expect(offer["type"] as? String == "offer")
        #expect(offer["from"] as? String == fromID)
        #expect(offer["sdp"] as? String == "v=0 \(fromID)")
    }

    @Test func tokenSignalAndRelayRunOverTLS() async throws {
        let authority = try await TestCertificateAuthority.make("signal test CA")
        let issued = try await authority.issueServerCertificate(serial: 1)
        let tls = try ServedFiles(issued).context()
        try await TestServer.with({ $0.tls = tls }) { plainServer in
            var server = plainServer
            server.clientTLS = try authority.clientContext()
            #expect(try await server.http("GET", "/health").status == 200)
            let minted = try await server.httpJSON(
                "POST", "/token", headers: ["x-admin-secret": TestServer.adminSecret, "content-type": "application/json"],
                body: #"{"ttl":"1h","subject":"tls-room"}"#)
            #expect(minted.status == 201)
            let token = try #require(minted.json["token"] as? String)

            var sockets: [TestSocket] = []
            for nodeId in ["alice", "bob"] {
                let socket = try await server.connect(["token": token, "nodeId": nodeId])
                try await socket.register(["role": "normal"])
                #expect(try await socket.nextJSON()["type"] as? String == "peer-list")
                sockets.append(socket)
            }
            try await Self.relay(from: sockets[1], "bob", to: sockets[0], "alice")
            try await Self.relay(from: sockets[0], "alice", to: sockets[1], "bob")
            #expect(try await sockets[0].channel.nioSSL_peerCertificate().get() == issued.certificate())
        }
    }

    @Test func reloadGivesNewConnectionsTheNewCertificateAndKeepsLiveSockets() async throws {
        let (authorityA, authorityB) = (try await TestCertificateAuthority.make("CA A"), try await TestCertificateAuthority.make("CA B"))
        let (certificateA, certificateB) = (
            try await authorityA.issueServerCertificate(serial: 10), try await authorityB.issueServerCertificate(serial: 11)
        )
        let files = try ServedFiles(certificateA)
        let tls = try files.context()
        try await TestServer.with(authDisabled: true, logLevel: .notice, { $0.tls = tls }) { plainServer in
            var server = plainServer
            server.clientTLS = try authorityA.clientContext()
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            #expect(try await TLSHandshake.peerCertificate(port: server.port, context: authorityA.clientContext()) == certificateA.certificate())

            try files.install(certificateB)
            CertificateReload.reload(tls, logger: server.service.logger)
            _ = try await server.logs.line { $0.contains("reloaded the TLS certificate") }
            #expect(try await TLSHandshake.peerCertificate(port: server.port, context: authorityB.clientContext()) == certificateB.certificate())
            await #expect(throws: (any Error).self, "a client trusting only CA A refuses the new certificate") {
                _ = try await TLSHandshake.peerCertificate(port: server.port, context: authorityA.clientContext())
            }
            // The pair opened under certificate A still relays, both ways.
            try await Self.relay(from: bob, "bob", to: alice, "alice")
            try await Self.relay(from: alice, "alice", to: bob, "bob")

            // A reload that fails (a half-written renewal) keeps certificate B.
            try Data("-----BEGIN CERTIFICATE-----\ntruncated".utf8).write(to: files.certificateFile)
            CertificateReload.reload(tls, logger: server.service.logger)
            let failure = try await server.logs.line { $0.contains("TLS certificate reload failed") }
            #expect(failure.hasPrefix("error") && failure.contains("TLS_CERT_FILE"), "\(failure)")
            #expect(try await TLSHandshake.peerCertificate(port: server.port, context: authorityB.clientContext()) == certificateB.certificate())
            try await Self.relay(from: bob, "bob", to: alice, "alice")
        }
    }

    @Test func sighupReloadsTheCertificateOfTheBuiltServer() async throws {
        let (authorityA, authorityB) = (try await TestCertificateAuthority.make("CA A"), try await TestCertificateAuthority.make("CA B"))
        let (certificateA, certificateB) = (
            try await authorityA.issueServerCertificate(serial: 20), try await authorityB.issueServerCertificate(serial: 21)
        )
        let files = try ServedFiles(certificateA)
        let server = RunningProcess(
            ["serve", "--host", "127.0.0.1", "--port", "0"], in: try CommandLineTool.temporaryDirectory(),
            environment: CommandLineTool.environment([
                "AUTH_DISABLED": "true", "DRAIN_TIMEOUT": "0s", "TLS_CERT_FILE": files.certificateFile.path, "TLS_KEY_FILE": files.keyFile.path,
            ]))
        try server.start()
        defer { server.signal(SIGKILL) }
        let port = try #require(Int(try await server.awaitOutput(matching: #"listening on https://127\.0\.0\.1:(\d+)"#)))
        let clientA = try authorityA.clientContext()
        var sockets: [TestSocket] = []
        for nodeId in ["alice", "bob"] {
            let socket = try await TestSocket.connect(port: port, target: TestServer.target(["room": "r", "nodeId": nodeId]), tls: clientA)
            try await socket.register()
            #expect(try await socket.nextJSON()["type"] as? String == "peer-list")
            sockets.append(socket)
        }

        // A failed reload is logged and changes nothing.
        try Data("garbage".utf8).write(to: files.keyFile)
        server.signal(SIGHUP)
        let failure = try await server.awaitOutput(matching: "(.*TLS certificate reload failed.*)")
        #expect(failure.contains("error") && failure.contains("TLS_KEY_FILE: \(files.keyFile.path) is not a PEM private key"), "\(failure)")
        #expect(try await TLSHandshake.peerCertificate(port: port, context: clientA) == certificateA.certificate())

        try files.install(certificateB)
        server.signal(SIGHUP)
        _ = try await server.awaitOutput(matching: "reloaded the TLS certificate")
        #expect(try await TLSHandshake.peerCertificate(port: port, context: authorityB.clientContext()) == certificateB.certificate())
        try await Self.relay(from: sockets[1], "bob", to: sockets[0], "alice")
        try await Self.relay(from: sockets[0], "alice", to: sockets[1], "bob")

        server.signal(SIGTERM)
        #expect(try await server.exitStatus(within: 15) == 0, "\(server.errors)")
    }

    @Test func aSilentTLSClientIsClosedAtTheRequestDeadline() async throws {
        let authority = try await TestCertificateAuthority.make("CA")
        let tls = try ServedFiles(try await authority.issueServerCertificate(serial: 30)).context()
        // Long enough for a full TLS handshake on a loaded, sanitized build.
        let deadline = TimeToLive(seconds: Int(2 * testSlowdown))
        try await TestServer.with(authDisabled: true, { $0.tls = tls; $0.requestTimeout = deadline }) { server in
            // Nothing at all, and a record header that announces a ClientHello never sent.
            let silent = try await RawConnection.open(port: server.port)
            let stalled = try await RawConnection.open(port: server.port)
            try await stalled.send([0x16, 0x03, 0x01, 0x00, 0xF0, 0x01])
            #expect(try await silent.readUntilClosed().isEmpty)
            _ = try await stalled.readUntilClosed()
            #expect(try await TLSHandshake.peerCertificate(port: server.port, context: authority.clientContext()) != nil)
        }
    }

    @Test func plainHTTPOnTheTLSPortIsClosedAndTheServerGoesOn() async throws {
        let authority = try await TestCertificateAuthority.make("CA")
        let tls = try ServedFiles(try await authority.issueServerCertificate(serial: 40)).context()
        try await TestServer.with(authDisabled: true, { $0.tls = tls }) { plainServer in
            let plain = try await RawConnection.open(port: plainServer.port)
            try await plain.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await !plain.readUntilClosed().contains("HTTP/1.1"))
            var server = plainServer
            server.clientTLS = try authority.clientContext()
            #expect(try await server.http("GET", "/health").status == 200)
        }
    }
}
