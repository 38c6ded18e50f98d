import Foundation
import SignalServer
import Signaling
import Testing

/// `TRUST_PROXY`: forwarding headers name the client only when the peer is a trusted proxy.
@Suite struct TrustProxyTests {
    @Test func forgedForwardingHeadersFromAnUntrustedPeerAreIgnored() async throws {
        try await TestServer.with({ $0.tokenRate = Rate(1, per: TimeToLive(seconds: 3600)) }) { server in
            #expect(try await TokenRateTests.mint(server, adding: ["X-Forwarded-For: 192.0.2.1"]).status == 201)
            // Another claimed address, in either header, is still the same peer: over its rate.
            TokenRateTests.expectTooManyRequests(try await TokenRateTests.mint(server, adding: ["X-Forwarded-For: 192.0.2.2"]))
            TokenRateTests.expectTooManyRequests(try await TokenRateTests.mint(server, adding: ["Forwarded: for=192.0.2.3"]))
        }
    }

    @Test func aTrustedProxysHeadersNameTheClientByItsRightmostUntrustedHop() async throws {
        try await TestServer.with({
            $0.tokenRate = Rate(1, per: TimeToLive(seconds: 3600))
            $0.trustProxy = [AddressRange("127.0.0.0/8")!]
        }) { server in
            let cases: [(header: String, status: Int)] = [
                ("X-Forwarded-For: 192.0.2.1", 201),
                ("X-Forwarded-For: 192.0.2.2", 201),
                // A client-written hop left of the real one changes nothing; trusted hops are skipped.
                ("X-Forwarded-For: 203.0.113.99, 192.0.2.1, 127.0.0.5", 429),
                (#"Forwarded: for="[2001:db8::17]:4711";proto=https"#, 201),
                ("Forwarded: for=192.0.2.77, for=2001:db8::17", 429),
            ]
            for (header, status) in cases {
                let response = try await TokenRateTests.mint(server, adding: [header])
                #expect(response.status == status, "\(header)")
            }
        }
    }

    @Test func rightmostUntrustedHop() {
        let proxies = TrustedProxies([AddressRange("10.0.0.0/8")!, AddressRange("2001:db8::/32")!])
        let proxy = IPAddress("10.1.2.3"), outsider = IPAddress("198.51.100.1")
        #expect(proxies.client(peer: outsider, forwarded: [], forwardedFor: ["192.0.2.1"]) == outsider)
        #expect(proxies.client(peer: proxy, forwarded: [], forwardedFor: []) == proxy)
        #expect(proxies.client(peer: proxy, forwarded: [], forwardedFor: ["1.1.1.1, 192.0.2.1", "10.9.9.9"]) == IPAddress("192.0.2.1"))
        #expect(proxies.client(peer: proxy, forwarded: [], forwardedFor: ["10.2.2.2, 10.3.3.3"]) == IPAddress("10.2.2.2"))
        #expect(proxies.client(peer: proxy, forwarded: [], forwardedFor: ["192.0.2.1:8080"]) == IPAddress("192.0.2.1"))
        #expect(proxies.client(peer: proxy, forwarded: ["for=unknown"], forwardedFor: ["192.0.2.1"]) == proxy)
        #expect(proxies.client(peer: proxy, forwarded: [#"for="[2001:db8::1]", For=192.0.2.9;by=10.0.0.1"#], forwardedFor: []) == IPAddress("192.0.2.9"))
        #expect(proxies.client(peer: IPAddress("::ffff:10.0.0.1"), forwarded: [], forwardedFor: ["192.0.2.4"]) == IPAddress("192.0.2.4"))
    }

    @Test func addressRanges() {
        #expect(AddressRange("10.0.0.0/8")!.contains(IPAddress("10.255.0.1")!))
        #expect(!AddressRange("10.0.0.0/8")!.contains(IPAddress("11.0.0.1")!))
        #expect(AddressRange("192.168.1.128/25")!.contains(IPAddress("192.168.1.200")!))
        #expect(!AddressRange("192.168.1.128/25")!.contains(IPAddress("192.168.1.100")!))
        #expect(AddressRange("::/0")!.contains(IPAddress("2001:db8::1")!))
        #expect(!AddressRange("::/0")!.contains(IPAddress("10.0.0.1")!))
        for invalid in ["", "10.0.0.0/33", "10.0.0/8", "example.com", "::1/129", "10.0.0.1/"] {
            #expect(AddressRange(invalid) == nil, "\(invalid)")
        }
    }
}
