import NIOConcurrencyHelpers

/// How many connections each client address holds open (`MAX_CONNECTIONS_PER_IP`).
///
/// Counted when a connection is accepted, under one lock, so that connections racing to
/// upgrade can never hold more than the limit between them; an address leaves the table when
/// its last connection closes, so the table is never larger than the open connections.
final class ConnectionsPerAddress: Sendable {
    private let counts = NIOLockedValueBox<[IPAddress: Int]>([:])

    /// Counts one more connection from `address`.
    func add(_ address: IPAddress) {
        counts.withLockedValue { $0[address, default: 0] += 1 }
    }

    /// Counts one connection from `address` fewer.
    func remove(_ address: IPAddress) {
        counts.withLockedValue { counts in
            guard let count = counts[address] else { return }
            counts[address] = count > 1 ? count - 1 : nil
        }
    }

    /// Moves one connection from `old` to `new` (the client behind a trusted proxy is known).
    func move(from old: IPAddress, to new: IPAddress) {
        guard old != new else { return }
        counts.withLockedValue { counts in
            if let count = counts[old] { counts[old] = count > 1 ? count - 1 : nil }
            counts[new, default: 0] += 1
        }
    }

    /// Connections `address` holds.
    func count(_ address: IPAddress) -> Int {
        counts.withLockedValue { $0[address] ?? 0 }
    }
}
