public import NIOCore

/// Builds the relayed frame from the sender's bytes: `{"from":…,"fromRole":…,` followed by
/// every member the client sent except its own `from` and `fromRole`, byte for byte.
///
/// No JSON object is ever built: SDP and candidates pass through as the client wrote them.
public struct RelaySplice: Sendable {
    /// `{"from":"<nodeId>","fromRole":"<role>"`, built once per registered sender.
    private let senderPrefix: ByteBuffer

    /// The splice for a sender with this nodeId and role.
    public init(sender nodeId: String, role: PeerRole) {
        var prefix = ByteBuffer()
        prefix.writeStaticString(#"{"from":"#)
        prefix.writeJSONString(nodeId)
        prefix.writeStaticString(#","fromRole":""#)
        prefix.writeString(role.rawValue)
        prefix.writeInteger(UInt8(ascii: "\""))
        self.senderPrefix = prefix
    }

    /// The number of bytes ``write(_:envelope:into:)`` adds at most beyond the message itself.
    public var overhead: Int { senderPrefix.readableBytes + 1 }

    /// Writes the stamped frame for `message`, which ``ClientFrameDecoder`` decoded as `envelope`.
    public func write(_ message: UnsafeRawBufferPointer, envelope: RelayEnvelope, into buffer: inout ByteBuffer) {
        buffer.writeImmutableBuffer(senderPrefix)
        if !envelope.carriesSenderFields {
            // Fast path: everything after the opening brace follows the prefix unchanged. The
            // object has at least `type` and `to`, so a comma always belongs there.
            let brace = message.firstIndex(of: UInt8(ascii: "{"))!
            buffer.writeInteger(UInt8(ascii: ","))
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: message[(brace + 1)...]))
            return
        }
        // Rare path: the client sent `from` or `fromRole`; copy the other members one by one.
        _ = try? JSONScanner.scanTopLevel(message) { member in
            switch TopLevelKey.of(member, in: message) {
            case .from, .fromRole: return
            default:
                buffer.writeInteger(UInt8(ascii: ","))
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: message[(member.key.lowerBound - 1)..<member.value.upperBound]))
            }
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }
}
