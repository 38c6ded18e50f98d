import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import TestServices

/// A real WebSocket client over a real TCP socket, with the control tests need: raw frames
/// (binary, fragmented, invalid UTF-8, oversize), frames pipelined with the upgrade request,
/// pausing reads, and the server's close code as it arrives on the wire.
final class TestSocket: Sendable {
    /// What arrived from the server.
    enum Event: Sendable, Equatable {
        case text(String)
        case close(code: UInt16?, reason: String)
        case ping
        /// The TCP connection ended.
        case disconnected
    }

    enum Failure: Error, CustomStringConvertible {
        case notUpgraded
        case timedOut(String)
        case unexpected(Event, expected: String)

        var description: String {
            switch self {
            case .notUpgraded: return "the server did not upgrade the connection"
            case .timedOut(let what): return "timed out waiting for \(what)"
            case .unexpected(let event, let expected): return "expected \(expected), got \(event)"
            }
        }
    }

    let channel: any Channel
    private let events: AsyncStream<Event>
    private let iterator: IteratorBox

    private init(channel: any Channel, events: AsyncStream<Event>) {
        self.channel = channel
        self.events = events
        self.iterator = IteratorBox(events.makeAsyncIterator())
    }

    /// Connects to `ws://127.0.0.1:port<target>`, or `wss://` over `tls`; `pipelined` texts are
    /// written as masked frames in the same write as the upgrade request, before any response.
    static func connect(port: Int, target: String, pipelined: [String] = [], tls: NIOSSLContext? = nil) async throws -> TestSocket {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        let collector = FrameCollector(continuation: continuation)
        let upgraded = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel -> EventLoopFuture<EventLoopFuture<Bool>> in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(
                        maxFrameSize: 1 << 24,
                        enableAutomaticErrorHandling: false,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(collector)
                                return true
                            }
                        })
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "127.0.0.1:\(port)")
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Bool>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(false) })
                    if !pipelined.isEmpty {
                        try channel.pipeline.syncOperations.addHandler(PipelinedFrameWriter(texts: pipelined))
                    }
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                    // Frames that arrive in the same read as the 101 (a close right after the
                    // upgrade, when admission refuses) must reach the collector, not be dropped.
                    pipeline.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
                }
            }
        let answered = try await withDeadline(seconds: 10, "the answer to the upgrade request") { try await upgraded.get() }
        guard answered else { throw Failure.notUpgraded }
        return TestSocket(channel: collector.channel!, events: stream)
    }

    // MARK: - Sending

    /// Sends one masked text frame.
    func send(_ text: String) async throws {
        try await send(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
    }

    /// Sends a JSON object as one text frame.
    func send(json: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: json)
        try await send(String(decoding: data, as: UTF8.self))
    }

    /// Sends `frame`, masked as a client must.
    func send(_ frame: WebSocketFrame) async throws {
        var masked = frame
        masked.maskKey = .random()  // the frame encoder applies it
        try await channel.writeAndFlush(masked)
    }

    /// Sends several text frames in one flush (floods, without a round trip per frame).
    func send(texts: [String]) async throws {
        guard let last = texts.last else { return }
        for text in texts.dropLast() {
            var frame = WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))
            frame.maskKey = .random()
            channel.write(frame, promise: nil)
        }
        try await send(last)
    }

    /// Sends one frame with arbitrary payload bytes: invalid UTF-8, binary, or a fragment
    /// (`fin: false`, then `.continuation` frames).
    func send(bytes: [UInt8], opcode: WebSocketOpcode = .text, fin: Bool = true) async throws {
        try await send(WebSocketFrame(fin: fin, opcode: opcode, data: ByteBuffer(bytes: bytes)))
    }

    /// Sends `{"type":"register", ...fields}`.
    func register(_ fields: [String: Any] = [:]) async throws {
        var frame: [String: Any] = ["type": "register"]
        frame.merge(fields) { $1 }
        try await send(json: frame)
    }

    /// A round trip through this socket's session: sends a frame of an unknown type and returns
    /// every JSON frame that arrived before the `BAD_MESSAGE` it earns.
    ///
    /// The server handles one socket's frames in order, so when this returns, everything sent
    /// before it has been handled (a heartbeat applied, a refused relay dropped).
    func barrier(within seconds: Double = 10) async throws -> [[String: Any]] {
        try await send(#"{"type":"test-barrier"}"#)
        var before: [[String: Any]] = []
        while true {
            let frame = try await nextJSON(within: seconds)
            if frame["type"] as? String == "error", frame["code"] as? String == "BAD_MESSAGE",
                frame["message"] as? String == "unknown message type"
            {
                return before
            }
            before.append(frame)
        }
    }

    /// Stops reading from the socket (the kernel buffers fill, then the server's queue grows).
    func pauseReading() async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: false).get()
    }

    /// Resumes reading.
    func resumeReading() async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: true).get()
        channel.read()
    }

    /// Closes the TCP connection without a close frame.
    func drop() async {
        try? await channel.close()
    }

    // MARK: - Receiving

    /// The next event, or a failure after `seconds`.
    func next(within seconds: Double = 10) async throws -> Event {
        try await withDeadline(seconds: seconds, "a frame") { await self.iterator.next() ?? .disconnected }
    }

    /// The next text frame as sent, skipping pings.
    func nextText(within seconds: Double = 10) async throws -> String {
        while true {
            let event = try await next(within: seconds)
            switch event {
            case .ping: continue
            case .text(let text): return text
            default: throw Failure.unexpected(event, expected: "a text frame")
            }
        }
    }

    /// The next text frame parsed as a JSON object, skipping pings.
    func nextJSON(within seconds: Double = 10) async throws -> [String: Any] {
        let text = try await nextText(within: seconds)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        guard let dictionary = object as? [String: Any] else { throw Failure.unexpected(.text(text), expected: "a JSON object") }
        return dictionary
    }

    /// Waits for the server's close frame, skipping anything else; returns its code and reason.
    func nextClose(within seconds: Double = 10) async throws -> (code: UInt16?, reason: String) {
        while true {
            let event = try await next(within: seconds)
            switch event {
            case .close(let code, let reason): return (code, reason)
            case .disconnected: throw Failure.unexpected(event, expected: "a close frame")
            default: continue
            }
        }
    }

    /// Waits until the TCP connection has ended.
    func waitForDisconnect(within seconds: Double = 10) async throws {
        while try await next(within: seconds) != .disconnected {}
    }
}

/// Serialises access to the stream's iterator (one reader at a time in these tests).
private final class IteratorBox: @unchecked Sendable {
    private var iterator: AsyncStream<TestSocket.Event>.Iterator
    private let lock = NSLock()

    init(_ iterator: AsyncStream<TestSocket.Event>.Iterator) { self.iterator = iterator }

    func next() async -> TestSocket.Event? {
        var copy = lock.withLock { iterator }
        let event = await copy.next()
        lock.withLock { iterator = copy }
        return event
    }
}

/// Turns received frames into ``TestSocket/Event``s, answering pings and close frames like a
/// browser does.
private final class FrameCollector: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let continuation: AsyncStream<TestSocket.Event>.Continuation
    private(set) var channel: (any Channel)?
    private var fragments: ByteBuffer?
    private var closeSent = false

    init(continuation: AsyncStream<TestSocket.Event>.Continuation) { self.continuation = continuation }

    func handlerAdded(context: ChannelHandlerContext) { channel = context.channel }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text where frame.fin:
            continuation.yield(.text(String(buffer: frame.data)))
        case .text:
            fragments = frame.data
        case .continuation:
            fragments?.writeBuffer(&frame.data)
            if frame.fin, let message = fragments {
                continuation.yield(.text(String(buffer: message)))
                fragments = nil
            }
        case .connectionClose:
            var data = frame.data
            let code = data.readInteger(as: UInt16.self)
            continuation.yield(.close(code: code, reason: data.readString(length: data.readableBytes) ?? ""))
            // Answer with the same code, as a browser does, so the server can drop the
            // connection at once instead of waiting out its close-handshake timeout.
            guard !closeSent else { break }
            closeSent = true
            var reply = ByteBuffer()
            if let code { reply.writeInteger(code) }
            var close = WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)
            close.maskKey = .random()
            context.writeAndFlush(wrapOutboundOut(close), promise: nil)
        case .ping:
            continuation.yield(.ping)
            var pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.data)
            pong.maskKey = .random()
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A client that starts the closing handshake itself does not answer the server's echo.
        if unwrapOutboundIn(data).opcode == .connectionClose { closeSent = true }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.yield(.disconnected)
        continuation.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Writes masked text frames right behind the upgrade request, in the same flush, so they
/// reach the server before it has answered the upgrade.
private final class PipelinedFrameWriter: ChannelOutboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var texts: [String]

    init(texts: [String]) { self.texts = texts }

    func flush(context: ChannelHandlerContext) {
        for text in texts {
            context.write(wrapOutboundOut(Self.maskedTextFrame(text)), promise: nil)
        }
        texts = []
        context.flush()
    }

    static func maskedTextFrame(_ text: String) -> ByteBuffer {
        let payload = Array(text.utf8)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x81))
        if payload.count < 126 {
            buffer.writeInteger(UInt8(0x80 | payload.count))
        } else if payload.count <= 0xFFFF {
            buffer.writeInteger(UInt8(0x80 | 126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(0x80 | 127))
            buffer.writeInteger(UInt64(payload.count))
        }
        let key: [UInt8] = (0..<4).map { _ in UInt8.random(in: 0...255) }
        buffer.writeBytes(key)
        buffer.writeBytes(payload.enumerated().map { $0.element ^ key[$0.offset % 4] })
        return buffer
    }
}
