import Signaling

/// One member's entry in a room's Redis hash, as the room's scripts read and write it:
/// `epoch|instance|socket|proven|role|serveConsumers|capacity|sessions`.
///
/// `epoch` orders admissions in the room (a newer holder of a key has a larger one); `instance`
/// and `socket` name the socket that holds the key, so that a late command from a replaced
/// socket never touches its successor's entry. `role` is `-` while pending, `n` or `c` once
/// registered; `capacity` is empty when unset.
struct MemberRecord: Sendable, Equatable {
    var epoch: UInt64
    var instance: String
    var socket: UInt64
    var proven: Bool
    var role: PeerRole?

    /// Parses an entry; `nil` when it is not one.
    init?(_ text: some StringProtocol) {
        let fields = text.split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 8, let epoch = UInt64(fields[0]), let socket = UInt64(fields[2]) else { return nil }
        self.epoch = epoch
        self.instance = String(fields[1])
        self.socket = socket
        self.proven = fields[3] == "1"
        switch fields[4] {
        case "n": role = .normal
        case "c": role = .consumer
        default: role = nil
        }
    }

    /// Whether a relay may be routed to this member: it registered, or it was admitted with a
    /// room token (a pending socket admitted without one receives nothing).
    var isRoutable: Bool { role != nil || proven }
}
