#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// An IPv4 or IPv6 address as its bytes: the key every per-address limit counts under.
///
/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack listener reports for an
/// IPv4 client) is the IPv4 address, so one client has one key however it is reached.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public let bytes: [UInt8]

    /// Parses the textual form (`192.0.2.1`, `2001:db8::1`); `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        var raw = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &raw) == 1 {
            bytes = Array(raw.prefix(4))
        } else if inet_pton(AF_INET6, text, &raw) == 1 {
            bytes = raw.starts(with: Self.mappedIPv4Prefix) ? Array(raw.suffix(4)) : raw
        } else {
            return nil
        }
    }

    /// The address of a socket peer; `nil` for a Unix-domain socket.
    init?(_ address: SocketAddress?) {
        guard let text = address?.ipAddress else { return nil }
        self.init(text)
    }

    /// `::`, the key of every client whose address is not known.
    public static let unknown = IPAddress("::")!

    /// `::ffff:0:0/96`.
    private static let mappedIPv4Prefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]

    /// The usual textual form.
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, raw.baseAddress, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
