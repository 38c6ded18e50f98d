import Foundation
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import TestServices

/// A plain TCP connection to the server that writes exactly the bytes a test gives it, as an
/// attacker or a broken client would, and collects everything the server sends back.
final class RawConnection: Sendable {
    /// A parsed HTTP/1.1 response.
    struct Response {
        let status: Int
        /// Header names lowercased.
        let headers: [String: String]
        let body: String
    }

    private let channel: any Channel
    private let collector: ByteCollector

    private init(channel: any Channel, collector: ByteCollector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to `127.0.0.1:port`.
    static func open(port: Int) async throws -> RawConnection {
        let collector = ByteCollector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// Writes `bytes` as they are.
    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Writes `text` as UTF-8, as it is (line ends included).
    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Ends our side's writing (a FIN after everything sent) and keeps reading.
    func finishWriting() async {
        try? await channel.close(mode: .output)
    }

    /// Closes our side.
    func close() async {
        try? await channel.close()
    }

    /// Whether the server has closed the connection.
    var isClosed: Bool { collector.state.withLockedValue { $0.closed } }

    /// Everything received so far, as text.
    var received: String { collector.state.withLockedValue { String(decoding: $0.bytes, as: UTF8.self) } }

    /// Everything received so far, as bytes.
    var receivedBytes: [UInt8] { collector.state.withLockedValue { $0.bytes } }

    /// Waits until `condition` holds for the bytes received so far, or the server closes the
    /// connection; returns the bytes.
    func read(within seconds: Double = 10, _ what: String, until condition: @escaping @Sendable ([UInt8]) -> Bool) async throws -> [UInt8] {
        try await awaitState(within: seconds, what) { condition($0.bytes) || $0.closed }
        return receivedBytes
    }

    /// Waits until the server closes the connection; returns everything it sent.
    func readUntilClosed(within seconds: Double = 10) async throws -> String {
        try await awaitState(within: seconds, "the server to close the connection") { $0.closed }
        return received
    }

    /// Waits for one complete response (its `content-length` body, none when `head` is set).
    func readResponse(within seconds: Double = 10, head: Bool = false) async throws -> Response {
        try await readResponses(1, within: seconds, head: head)[0]
    }

    /// Waits for `count` complete responses, in the order they came.
    func readResponses(_ count: Int, within seconds: Double = 10, head: Bool = false) async throws -> [Response] {
        try await awaitState(within: seconds, "\(count) complete HTTP responses") { state in
            Self.parse(state.bytes, count: count, head: head).count == count || state.closed
        }
        let parsed = collector.state.withLockedValue { Self.parse($0.bytes, count: count, head: head) }
        guard parsed.count == count else { throw TestSocket.Failure.timedOut("\(count) complete HTTP responses; got \(received.debugDescription)") }
        return parsed
    }

    private func awaitState(
        within seconds: Double, _ what: String, _ condition: @escaping @Sendable (ByteCollector.State) -> Bool
    ) async throws {
        let collector = self.collector
        let reached = try await withDeadline(seconds: seconds, what) { () -> Bool in
            for await _ in collector.updates() {
                if collector.state.withLockedValue({ condition($0) }) { return true }
            }
            return collector.state.withLockedValue { condition($0) }
        }
        if !reached { throw TestSocket.Failure.timedOut(what) }
    }

    /// Up to `count` complete responses at the start of `bytes`.
    private static func parse(_ bytes: [UInt8], count: Int, head: Bool) -> [Response] {
        var responses: [Response] = []
        var rest = bytes[...]
        while responses.count < count, let (response, length) = parseOne(rest, head: head) {
            responses.append(response)
            rest = rest.dropFirst(length)
        }
        return responses
    }

    /// The complete response at the start of `bytes`, and how many bytes it took.
    private static func parseOne(_ bytes: ArraySlice<UInt8>, head: Bool) -> (Response, Int)? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let headLength = text[..<end.upperBound].utf8.count
        let body = bytes.dropFirst(headLength)
        let length = head ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        guard body.count >= length else { return nil }
        return (Response(status: status, headers: headers, body: String(decoding: body.prefix(length), as: UTF8.self)), headLength + length)
    }
}

/// Collects the bytes a connection receives and notes when it closes.
private final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    struct State: Sendable {
        var bytes: [UInt8] = []
        var closed = false
        var waiters: [AsyncStream<Void>.Continuation] = []
    }

    let state = NIOLockedValueBox(State())

    /// A stream that ticks on every change (and once at once), ending when the connection closes.
    func updates() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.yield()
        let closed = state.withLockedValue { state -> Bool in
            if !state.closed { state.waiters.append(continuation) }
            return state.closed
        }
        if closed { continuation.finish() }
        return stream
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let waiters = state.withLockedValue { state in
            state.bytes.append(contentsOf: buffer.readableBytesView)
            return state.waiters
        }
        waiters.forEach { $0.yield() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The server half-closed: it will send nothing more, which is as good as a close here.
        if (event as? ChannelEvent) == .inputClosed { finish() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func finish() {
        let waiters = state.withLockedValue { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.yield(); $0.finish() }
    }
}
