import NIOCore

/// The load generator's WebSocket client: a hand-rolled handshake and frame reader over raw
/// bytes, so that the generator costs as little per message as possible and measures the
/// server, not itself.
///
/// Outgoing frames are built once by ``RawWebSocket/maskedTextFrame(_:)`` with an all-zero
/// masking key (valid per RFC 6455, and masking with it is the identity), so sending a frame
/// is writing a prepared buffer. Incoming frames are handed over as raw payload bytes.
final class RawWebSocket: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a scenario does with the socket.
    protocol Delegate: AnyObject {
        /// The upgrade completed.
        func opened(_ socket: RawWebSocket, context: ChannelHandlerContext)
        /// A text message arrived.
        func received(_ payload: UnsafeRawBufferPointer, socket: RawWebSocket, context: ChannelHandlerContext)
        /// The connection closed (before or after the upgrade).
        func closed(_ socket: RawWebSocket)
    }

    private let request: ByteBuffer
    private let delegate: any Delegate
    private var upgraded = false
    private var pending = ByteBuffer()
    private(set) var context: ChannelHandlerContext?

    /// A client that upgrades with `GET target`.
    init(host: String, port: Int, target: String, delegate: any Delegate) {
        var request = ByteBuffer()
        request.writeString(
            "GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.request = request
        self.delegate = delegate
    }

    /// A masked (all-zero key) text frame carrying `text`, ready to write as many times as needed.
    static func maskedTextFrame(_ text: String) -> ByteBuffer {
        let length = text.utf8.count
        var frame = ByteBuffer()
        frame.writeInteger(UInt8(0x81))
        if length < 126 {
            frame.writeInteger(UInt8(0x80 | length))
        } else if length <= 0xFFFF {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(length))
        }
        frame.writeInteger(UInt32(0))  // masking key
        frame.writeString(text)
        return frame
    }

    /// Writes a prepared frame and flushes.
    func send(_ frame: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        delegate.closed(self)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if pending.readableBytes == 0 {
            pending = bytes
        } else {
            pending.writeBuffer(&bytes)
        }
        if !upgraded {
            guard let headerEnd = pending.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let head = pending.readString(length: headerEnd.upperBound - pending.readerIndex) ?? ""
            guard head.hasPrefix("HTTP/1.1 101") else {
                context.close(promise: nil)
                return
            }
            upgraded = true
            delegate.opened(self, context: context)
        }
        readFrames(context: context)
    }

    private func readFrames(context: ChannelHandlerContext) {
        while true {
            guard let first = pending.getInteger(at: pending.readerIndex, as: UInt8.self),
                let second = pending.getInteger(at: pending.readerIndex + 1, as: UInt8.self)
            else { break }
            var headerLength = 2
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let extended = pending.getInteger(at: pending.readerIndex + 2, as: UInt16.self) else { break }
                length = Int(extended)
                headerLength = 4
            } else if length == 127 {
                guard let extended = pending.getInteger(at: pending.readerIndex + 2, as: UInt64.self) else { break }
                length = Int(extended)
                headerLength = 10
            }
            guard pending.readableBytes >= headerLength + length else { break }
            let opcode = first & 0x0F
            let payloadStart = pending.readerIndex + headerLength
            if opcode == 0x1 {
                pending.withUnsafeReadableBytes { all in
                    delegate.received(
                        UnsafeRawBufferPointer(rebasing: all[headerLength..<(headerLength + length)]), socket: self,
                        context: context)
                }
            } else if opcode == 0x9 {
                // Answer pings so that long idle runs are not dropped as silent.
                var pong = ByteBuffer()
                pong.writeInteger(UInt8(0x8A))
                pong.writeInteger(UInt8(0x80 | length))
                pong.writeInteger(UInt32(0))
                if let data = pending.getSlice(at: payloadStart, length: length) { pong.writeImmutableBuffer(data) }
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            } else if opcode == 0x8 {
                context.close(promise: nil)
            }
            pending.moveReaderIndex(forwardBy: headerLength + length)
        }
        if pending.readableBytes == 0 { pending.clear() }
    }
}
