import NIOCore
@testable import Signaling
import Testing

/// `RelaySplice`: the relayed frame is the sender's bytes with the server's `from` and
/// `fromRole` first, stamped in place when the buffer has room, copied otherwise.
@Suite struct RelaySpliceTests {
    static func envelope(_ message: String) throws -> RelayEnvelope {
        let frame = try Array(message.utf8).withUnsafeBytes { buffer in try ClientFrameDecoder.decode(buffer) }
        guard case .relay(let envelope) = frame else { throw ClientFrameError.badMessage("not a relay: \(message)") }
        return envelope
    }

    /// What ``RelaySplice/write(_:envelope:into:)`` makes of `message`.
    static func written(_ message: String, by splice: RelaySplice) throws -> String {
        let envelope = try envelope(message)
        var buffer = ByteBuffer()
        Array(message.utf8).withUnsafeBytes { splice.write($0, envelope: envelope, into: &buffer) }
        return String(buffer: buffer)
    }

    /// A buffer holding `message` after `free` bytes the reader has already moved past, as the
    /// session reads a frame with headroom reserved.
    static func buffer(_ message: String, free: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeRepeatingByte(UInt8(ascii: "#"), count: free)
        buffer.moveReaderIndex(forwardBy: free)
        buffer.writeString(message)
        return buffer
    }

    static let alice = RelaySplice(sender: "alice", role: .normal)

    // MARK: Copy

    @Test func putsTheSenderFirstAndKeepsEverythingElseByteForByte() throws {
        let message = #"{"type":"offer","to":"bob","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n","x":{"a": [1, 2.50, null]}}"#
        #expect(
            try Self.written(message, by: Self.alice)
                == #"{"from":"alice","fromRole":"normal","type":"offer","to":"bob","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n","x":{"a": [1, 2.50, null]}}"#
        )
        let consumer = RelaySplice(sender: "agent", role: .consumer)
        #expect(try Self.written(#"{"type":"answer","to":"b"}"#, by: consumer) == #"{"from":"agent","fromRole":"consumer","type":"answer","to":"b"}"#)
    }

    @Test func keepsWhitespaceAfterTheOpeningBrace() throws {
        #expect(
            try Self.written(" \n{ \"type\" : \"offer\", \"to\":\"b\" }\n", by: Self.alice)
                == "{\"from\":\"alice\",\"fromRole\":\"normal\", \"type\" : \"offer\", \"to\":\"b\" }\n")
    }

    @Test func overwritesAClientSuppliedFromAndFromRole() throws {
        let message = #"{"from":"mallory","type":"offer", "fromRole" :"consumer","to":"bob","fr\u006fm":"x","sdp":{"from":"kept"},"from":"again"}"#
        #expect(
            try Self.written(message, by: Self.alice)
                == #"{"from":"alice","fromRole":"normal","type":"offer","to":"bob","sdp":{"from":"kept"}}"#)
    }

    @Test func escapesTheSenderNodeId() throws {
        let nodeId = "a\"b\\c\u{01}\ndé😀"
        let splice = RelaySplice(sender: nodeId, role: .normal)
        let text = try Self.written(#"{"type":"offer","to":"b"}"#, by: splice)
        let members = try #require(JSONValue(parsing: Array(text.utf8))?.objectValue)
        #expect(members["from"]?.stringValue == nodeId)
        #expect(members["fromRole"]?.stringValue == "normal")
        #expect(members["to"]?.stringValue == "b")
    }

    @Test func overheadBoundsTheGrowth() throws {
        for message in [#"{"type":"offer","to":"b"}"#, #"{"from":"x","type":"offer","to":"b"}"#] {
            #expect(try Self.written(message, by: Self.alice).utf8.count <= message.utf8.count + Self.alice.overhead)
        }
        #expect(Self.alice.overhead == Self.alice.prefixLength + 1)
        #expect(Self.alice.prefixLength == #"{"from":"alice","fromRole":"normal""#.utf8.count)
    }

    // MARK: In place

    @Test func stampsInPlaceWhenTheHeadroomAndPrefixFit() throws {
        let message = #"{"type":"ice-candidate","to":"bob","candidate":"c"}"#
        let headroom = 16
        var buffer = Self.buffer(message, free: headroom + Self.alice.prefixLength)
        let writerIndex = buffer.writerIndex
        #expect(Self.alice.stampInPlace(&buffer, envelope: try Self.envelope(message), keepingHeadroom: headroom))
        #expect(String(buffer: buffer) == (try Self.written(message, by: Self.alice)))
        // Written where it lay: the reader moved back by the prefix, the end did not move, and
        // the headroom is untouched.
        #expect(buffer.readerIndex == headroom)
        #expect(buffer.writerIndex == writerIndex)
        var whole = buffer
        whole.moveReaderIndex(to: 0)
        #expect(whole.readBytes(length: headroom) == Array(repeating: UInt8(ascii: "#"), count: headroom))
    }

    @Test func stampsInPlaceBeforeLeadingWhitespace() throws {
        let message = "  {\"type\":\"offer\",\"to\":\"b\"}"
        // The whitespace before the brace counts as free room.
        var buffer = Self.buffer(message, free: Self.alice.prefixLength - 2)
        #expect(Self.alice.stampInPlace(&buffer, envelope: try Self.envelope(message), keepingHeadroom: 0))
        #expect(String(buffer: buffer) == #"{"from":"alice","fromRole":"normal","type":"offer","to":"b"}"#)
    }

    @Test func leavesTheBufferAloneWithoutRoom() throws {
        let message = #"{"type":"offer","to":"bob"}"#
        let headroom = 8
        var buffer = Self.buffer(message, free: headroom + Self.alice.prefixLength - 1)
        let before = buffer
        #expect(!Self.alice.stampInPlace(&buffer, envelope: try Self.envelope(message), keepingHeadroom: headroom))
        #expect(buffer == before)
        #expect(buffer.readerIndex == before.readerIndex)
    }

    @Test func leavesTheBufferAloneWhenTheClientSentSenderFields() throws {
        let message = #"{"type":"offer","to":"bob","fromRole":"normal"}"#
        var buffer = Self.buffer(message, free: 1024)
        let before = buffer
        #expect(!Self.alice.stampInPlace(&buffer, envelope: try Self.envelope(message), keepingHeadroom: 0))
        #expect(buffer == before)
        #expect(buffer.readerIndex == before.readerIndex)
    }
}
