import Foundation
import SignalServer
import Signaling
import TestServices
import Testing

/// `MAX_CONNECTIONS_PER_IP` and the budget for sockets admitted without a token: past them an
/// upgrade is refused before it happens, with a JSON 429 or 503, and nothing else changes.
@Suite struct ConnectionLimitTests {
    @Test func anAddressAtItsConnectionLimitGets429ForAnUpgradeButHTTPStillAnswers() async throws {
        try await TestServer.with({
            $0.maxConnectionsPerIP = 3
            // The silent connections must outlast the test's steps on a loaded machine.
            $0.requestTimeout = TimeToLive(seconds: 60)
        }) { server in
            let token = server.token(subject: "r")
            // Three connections that never send a byte hold the address's share...
            var silent: [RawConnection] = []
            for _ in 0..<3 { silent.append(try await RawConnection.open(port: server.port)) }
            // ...so a fourth that asks to upgrade is refused before the 101, once the server has
            // taken them in: a connection the kernel has completed may not be accepted yet, and
            // each is counted on its own event loop.
            var refusal: (RawConnection, RawConnection.Response)?
            try await poll(within: 10, { "an upgrade past the address's share to be refused" }) {
                let (connection, answer) = try await rawUpgrade(port: server.port, TestServer.target(["token": token, "nodeId": "a"]))
                guard answer.status == 101 else {
                    refusal = (connection, answer)
                    return true
                }
                await connection.close()
                return false
            }
            let (refused, answer) = try #require(refusal)
            expectJSONError(answer, 429)
            _ = try await refused.readUntilClosed()
            // Plain HTTP from the same address is still answered.
            #expect(try await server.http("GET", "/health").status == 200)
            // Once they close, the address may upgrade again.
            for connection in silent { await connection.close() }
            try await poll(within: 10, { "the address's connections to be given back" }) {
                let (socket, answer) = try await rawUpgrade(port: server.port, TestServer.target(["token": token, "nodeId": "b"]))
                await socket.close()
                return answer.status == 101
            }
        }
    }

    @Test func aFullTokenlessBudgetRefusesTokenlessUpgrades503WhileTokenHoldersStillConnectAndRelay() async throws {
        try await TestServer.with({
            $0.maxTokenlessSockets = 4
            $0.maxTokenlessSocketsPerIP = 100
        }) { server in
            // Four raw sockets with no credential at all take every token-less place.
            var squatters: [RawConnection] = []
            for index in 0..<4 {
                let (socket, answer) = try await rawUpgrade(port: server.port, TestServer.target(["room": "r", "nodeId": "s\(index)"]))
                #expect(answer.status == 101)
                squatters.append(socket)
            }
            let (fifth, answer) = try await rawUpgrade(port: server.port, TestServer.target(["room": "r", "nodeId": "s4"]))
            expectJSONError(answer, 503)
            _ = try await fifth.readUntilClosed()
            // Peers with a room token are not held back by them.
            let (alice, _) = try await server.joinNormal(room: "r", nodeId: "alice")
            let (bob, _) = try await server.joinNormal(room: "r", nodeId: "bob")
            try await alice.relay(to: "bob", via: bob)
            try await bob.relay(to: "alice", via: alice)
            for squatter in squatters { await squatter.close() }
        }
    }

    @Test func oneAddressGets429PastItsTokenlessShareWhileAnotherStillGetsIn() async throws {
        try await TestServer.with({
            $0.maxTokenlessSocketsPerIP = 2
            $0.trustProxy = [AddressRange("127.0.0.1")!]
        }) { server in
            func upgrade(from client: String, _ nodeId: String) async throws -> (RawConnection, RawConnection.Response) {
                try await rawUpgrade(
                    port: server.port, TestServer.target(["room": "r", "nodeId": nodeId]), adding: ["X-Forwarded-For: \(client)"])
            }
            let (first, firstAnswer) = try await upgrade(from: "203.0.113.5", "a")
            let (second, secondAnswer) = try await upgrade(from: "203.0.113.5", "b")
            #expect(firstAnswer.status == 101 && secondAnswer.status == 101)
            let (third, thirdAnswer) = try await upgrade(from: "203.0.113.5", "c")
            expectJSONError(thirdAnswer, 429)
            _ = try await third.readUntilClosed()
            let (other, otherAnswer) = try await upgrade(from: "203.0.113.6", "d")
            #expect(otherAnswer.status == 101)
            for socket in [first, second, other] { await socket.close() }
        }
    }

    @Test func aConsumerThatProvesItselfGivesItsTokenlessPlaceBack() async throws {
        let provider = IdentityProvider()
        try await TestServer.with({
            provider.configure(&$0)
            $0.maxTokenlessSockets = 1
        }) { server in
            _ = try await server.joinNormal(room: "r", nodeId: "n")
            let (consumer, servers) = try await server.joinConsumer(room: "r", nodeId: "c1", token: provider.token())
            #expect(servers == ["n"])
            // The one place is free again while the verified consumer stays connected.
            let (squatter, answer) = try await rawUpgrade(port: server.port, TestServer.target(["room": "r", "nodeId": "s"]))
            #expect(answer.status == 101)
            let (refused, refusal) = try await rawUpgrade(port: server.port, TestServer.target(["room": "r", "nodeId": "t"]))
            expectJSONError(refusal, 503)
            _ = try await refused.readUntilClosed()
            // The consumer itself carries on.
            let (other, _) = try await server.joinNormal(room: "r", nodeId: "n2")
            try await consumer.relay(to: "n2", via: other)
            await squatter.close()
        }
    }

    @Test func aTokenlessSocketHasTheShorterRegisterDeadlineAndGivesItsPlaceBack() async throws {
        try await TestServer.with({
            $0.registerTimeout = TimeToLive(seconds: 60)
            $0.tokenlessRegisterTimeout = TimeToLive(seconds: Int(testSlowdown))
            $0.maxTokenlessSockets = 1
        }) { server in
            let tokenless = try await server.connect(["room": "r", "nodeId": "quiet"])
            let withToken = try await server.connect(["token": server.token(subject: "r"), "nodeId": "patient"])
            let close = try await tokenless.nextClose()
            #expect(close.code == 4002)
            // The one place is given back once the socket is gone: another token-less upgrade is
            // admitted (101, not 503). Nothing more is asked of it: its own deadline is as short.
            try await poll(within: 10, { "the token-less place to be given back" }) {
                guard let next = try? await server.connect(["room": "r", "nodeId": "next"]) else { return false }
                await next.drop()
                return true
            }
            // The socket admitted with a token is still waiting within its own, longer deadline.
            try await withToken.register()
            #expect(try await withToken.nextJSON()["type"] as? String == "peer-list")
        }
    }
}
