import Foundation

/// A block of IP addresses written as an address or in CIDR notation (`10.0.0.0/8`,
/// `2001:db8::/32`, `127.0.0.1`): one entry of `TRUST_PROXY`.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// The first address of the block.
    public let network: IPAddress
    /// How many leading bits an address shares with ``network`` to be in the block.
    public let prefixLength: Int

    /// Parses `address` or `address/prefix`; `nil` when either part is not valid.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0].trimmingCharacters(in: .whitespaces)) else { return nil }
        let bits = address.bytes.count * 8
        let prefixLength: Int
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        self.network = address
        self.prefixLength = prefixLength
    }

    /// Whether `address` is in the block (never, across IPv4 and IPv6).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (candidate, base) in zip(address.bytes, network.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard candidate & mask == base & mask else { return false }
            remaining -= 8
        }
        return true
    }

    /// `address/prefix`.
    public var description: String { "\(network)/\(prefixLength)" }
}
