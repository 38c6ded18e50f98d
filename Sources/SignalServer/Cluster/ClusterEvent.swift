import NIOCore

/// A change to a room's members, as the room's scripts publish it on the room's events channel
/// (``ClusterKeys/events(_:)``): `S<record>\n<nodeId>` when a key is admitted, registered or
/// restored, `R<epoch>\n<nodeId>` when its holder of that epoch leaves. A nodeId never holds a
/// control character (admission refuses it), so the newline ends the record.
enum ClusterEvent: Equatable {
    /// `nodeId` is held as `record` says.
    case set(nodeId: String, record: MemberRecord)
    /// The holder of `nodeId` admitted at `epoch` left.
    case removed(nodeId: String, epoch: UInt64)

    /// Parses a published event; `nil` when it is not one.
    init?(_ message: ByteBuffer) {
        let text = String(buffer: message)
        guard let kind = text.first, let newline = text.firstIndex(of: "\n") else { return nil }
        let body = text[text.index(after: text.startIndex)..<newline]
        let nodeId = String(text[text.index(after: newline)...])
        switch kind {
        case "S":
            guard let record = MemberRecord(body) else { return nil }
            self = .set(nodeId: nodeId, record: record)
        case "R":
            guard let epoch = UInt64(body) else { return nil }
            self = .removed(nodeId: nodeId, epoch: epoch)
        default:
            return nil
        }
    }
}
