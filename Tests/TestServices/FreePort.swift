import Foundation
import NIOCore
import NIOPosix

/// Loopback ports that were free a moment ago, for external services (Redis, HAProxy, coturn)
/// that cannot be told to pick one themselves.
package enum FreePort {
    /// Why no port was found.
    package struct Unavailable: Error, CustomStringConvertible {
        /// What was tried.
        package let reason: String
        package var description: String { "no free loopback port: \(reason)" }
    }

    /// Where TCP ports are picked: below the kernel's ephemeral range.
    ///
    /// A port from that range can be handed to an outgoing connection while the service is
    /// down (between a test's kill and restart), and a client reconnecting to its own port from
    /// that same port then connects to itself (TCP simultaneous open) instead of being refused.
    package static let tcpRange: Range<Int> = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeralStart = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        let upper = min(30000, ephemeralStart)
        return max(1024, upper - 10000)..<upper
    }()

    /// A free TCP port on 127.0.0.1, picked at random in ``tcpRange`` and checked by binding it.
    package static func tcp() async throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: tcpRange)
            guard let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: port).get()
            else { continue }
            try await channel.close()
            return port
        }
        throw Unavailable(reason: "200 ports tried in \(tcpRange)")
    }

    /// A free UDP port on 127.0.0.1, picked by the kernel.
    package static func udp() async throws -> Int {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}
