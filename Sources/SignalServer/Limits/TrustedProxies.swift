import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1

/// `TRUST_PROXY`: the reverse proxies whose forwarding headers say who the client is.
///
/// A request whose peer is not one of them is from its peer, whatever it claims in headers.
/// One from a trusted proxy is from the rightmost address of its `Forwarded` `for=` list
/// (RFC 7239), or when it has none of its `X-Forwarded-For` list, that is not itself a trusted
/// proxy: every hop left of it was written by a client and may be forged. Every per-address
/// limit counts under this address.
public struct TrustedProxies: Sendable {
    /// The proxies' addresses; empty: no proxy is trusted (the default).
    public let ranges: [AddressRange]

    /// Trusts proxies in `ranges`.
    public init(_ ranges: [AddressRange]) {
        self.ranges = ranges
    }

    /// Whether `address` is a trusted proxy.
    public func trusts(_ address: IPAddress) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    /// The client's address for a request from `peer` with these header values (each element
    /// one header line); `nil` only when the peer has no IP address (a Unix-domain socket) and
    /// no trusted header names one.
    /// The headers are read only when the peer is trusted.
    public func client(peer: IPAddress?, forwarded: @autoclosure () -> [String], forwardedFor: @autoclosure () -> [String]) -> IPAddress? {
        guard let peer, !ranges.isEmpty, trusts(peer) else { return peer }
        let forwarded = forwarded()
        let hops = forwarded.isEmpty ? Self.forwardedForHops(forwardedFor()) : Self.forwardedHops(forwarded)
        guard !hops.isEmpty else { return peer }
        for hop in hops.reversed() {
            // A hop a trusted proxy wrote that is not an address (`unknown`, an obfuscated
            // `_name`) leaves the proxy itself as the best answer.
            guard let address = IPAddress(hop) else { return peer }
            if !trusts(address) { return address }
        }
        return IPAddress(hops[0]) ?? peer
    }

    /// The `for=` values of `Forwarded` lines, left to right, with quotes, brackets and ports removed.
    static func forwardedHops(_ lines: [String]) -> [String] {
        var hops: [String] = []
        for line in lines {
            for element in line.split(separator: ",") {
                for pair in element.split(separator: ";") {
                    let keyValue = pair.split(separator: "=", maxSplits: 1)
                    guard keyValue.count == 2, keyValue[0].trimmingCharacters(in: .whitespaces).lowercased() == "for" else { continue }
                    hops.append(hostOnly(keyValue[1].trimmingCharacters(in: .whitespaces)))
                }
            }
        }
        return hops
    }

    /// The addresses of `X-Forwarded-For` lines, left to right.
    static func forwardedForHops(_ lines: [String]) -> [String] {
        lines.flatMap { $0.split(separator: ",") }.map { hostOnly($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// `"[2001:db8::1]:4711"` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`.
    private static func hostOnly(_ value: String) -> String {
        var host = Substring(value)
        if host.hasPrefix("\""), host.hasSuffix("\""), host.count >= 2 { host = host.dropFirst().dropLast() }
        if host.hasPrefix("[") {
            return String(host.dropFirst().prefix { $0 != "]" })
        }
        // One colon: IPv4 with a port; more: a bare IPv6 address.
        if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            return String(host[..<colon])
        }
        return String(host)
    }
}

extension TrustedProxies {
    /// The client of a request head from `peer`; a peer without an IP address (a Unix-domain
    /// socket) and no trusted header naming one is ``IPAddress/unknown``, one client for all.
    func client(peer: IPAddress?, headers: HTTPHeaders) -> IPAddress {
        client(peer: peer, forwarded: headers["Forwarded"], forwardedFor: headers["X-Forwarded-For"]) ?? .unknown
    }

    /// The client of a router request from `peer` (see ``client(peer:headers:)``).
    func client(peer: SocketAddress?, headers: HTTPFields) -> IPAddress {
        client(peer: IPAddress(peer), forwarded: headers[values: Self.forwarded], forwardedFor: headers[values: Self.forwardedFor])
            ?? .unknown
    }

    private static let forwarded = HTTPField.Name("Forwarded")!
    private static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
}
