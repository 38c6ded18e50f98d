public import NIOCore

/// Builds the relayed frame from the sender's bytes: `{"from":…,"fromRole":…,` followed by
/// every member the client sent except its own `from` and `fromRole`, byte for byte.
///
/// No JSON object is ever built: SDP and candidates pass through as the client wrote them.
public struct RelaySplice: Sendable {
    /// `{"from":"<nodeId>","fromRole":"<role>"`, built once per registered sender (an array, the
    /// smallest way to keep it for every idle socket).
    private let senderPrefix: [UInt8]

    /// The splice for a sender with this nodeId and role.
    public init(sender nodeId: String, role: PeerRole) {
        var prefix = ByteBuffer()
        prefix.writeStaticString(#"{"from":"#)
        prefix.writeJSONString(nodeId)
        prefix.writeStaticString(#","fromRole":""#)
        prefix.writeString(role.rawValue)
        prefix.writeInteger(UInt8(ascii: "\""))
        self.senderPrefix = Array(buffer: prefix)
    }

    /// The number of bytes ``write(_:envelope:into:)`` adds at most beyond the message itself.
    public var overhead: Int { senderPrefix.count + 1 }

    /// Stamps a decoded message where it lies, without copying it: the prefix is written into
    /// the free bytes before the message, over which the opening brace becomes a comma.
    ///
    /// Possible when the client sent no `from`/`fromRole` and at least `headroom` bytes plus the
    /// prefix are free before the message (the caller reserves them when it reads the frame).
    /// Returns `false`, changing nothing, otherwise; ``write(_:envelope:into:)`` is the fallback.
    public func stampInPlace(_ message: inout ByteBuffer, envelope: RelayEnvelope, keepingHeadroom headroom: Int) -> Bool {
        guard !envelope.carriesSenderFields else { return false }
        // No ByteBufferView here: a view is a second owner of the storage, and the writes below
        // would then copy the whole message first.
        guard let braceOffset = message.withUnsafeReadableBytes({ $0.firstIndex(of: UInt8(ascii: "{")) }) else { return false }
        let brace = message.readerIndex + braceOffset
        let start = brace - senderPrefix.count
        guard start >= headroom else { return false }
        message.setBytes(senderPrefix, at: start)
        message.setInteger(UInt8(ascii: ","), at: brace)
        message.moveReaderIndex(to: start)
        return true
    }

    /// The bytes ``stampInPlace(_:envelope:keepingHeadroom:)`` needs before a message.
    public var prefixLength: Int { senderPrefix.count }

    /// Writes the stamped frame for `message`, which ``ClientFrameDecoder`` decoded as `envelope`.
    public func write(_ message: UnsafeRawBufferPointer, envelope: RelayEnvelope, into buffer: inout ByteBuffer) {
        buffer.writeBytes(senderPrefix)
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
