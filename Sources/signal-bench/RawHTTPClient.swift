import Foundation
import NIOCore
import NIOPosix

/// A keep-alive HTTP/1.1 client over raw bytes for the generator: writes a prepared request,
/// reads `content-length` responses, and asks its delegate what to do next.
final class RawHTTPClient: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Decides, after each response, whether to send the request again.
    protocol Delegate: AnyObject {
        /// A response arrived; return `true` to send the request again on this connection.
        func response(status: Int, body: ByteBufferView) -> Bool
        /// The connection ended.
        func finished()
    }

    private let request: ByteBuffer
    private let delegate: any Delegate
    private let resendDelay: TimeAmount
    private var pending = ByteBuffer()

    /// A client that sends `request` again `resendDelay` after each response the delegate keeps.
    init(request: ByteBuffer, delegate: any Delegate, resendDelay: TimeAmount = .zero) {
        self.request = request
        self.delegate = delegate
        self.resendDelay = resendDelay
    }

    /// A request with a body, ready to write repeatedly.
    static func request(method: String, path: String, host: String, headers: [String: String] = [:], body: String = "") -> ByteBuffer {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n" + body
        return ByteBuffer(string: text)
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        delegate.finished()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let headEnd = pending.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) {
            let head = String(decoding: pending.readableBytesView[pending.readerIndex..<headEnd.lowerBound], as: UTF8.self)
            let status = Int(head.dropFirst(9).prefix(3)) ?? 0
            var length = 0
            for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
            guard pending.readableBytes >= headEnd.upperBound - pending.readerIndex + length else { return }
            pending.moveReaderIndex(to: headEnd.upperBound)
            let body = pending.readSlice(length: length)!
            if delegate.response(status: status, body: body.readableBytesView) {
                if resendDelay > .zero {
                    let (request, loopBound) = (request, NIOLoopBound(context, eventLoop: context.eventLoop))
                    context.eventLoop.scheduleTask(in: resendDelay) { loopBound.value.writeAndFlush(NIOAny(request), promise: nil) }
                } else {
                    context.writeAndFlush(wrapOutboundOut(request), promise: nil)
                }
            } else {
                context.close(promise: nil)
                return
            }
        }
        pending.discardReadBytes()
    }
}

/// One-off requests: `/health`, `POST /revoke`.
enum HTTPProbe {
    private final class OneResponse: RawHTTPClient.Delegate, @unchecked Sendable {
        let promise: EventLoopPromise<(Int, String)>
        init(promise: EventLoopPromise<(Int, String)>) { self.promise = promise }
        func response(status: Int, body: ByteBufferView) -> Bool {
            promise.succeed((status, String(decoding: body, as: UTF8.self)))
            return false
        }
        func finished() { promise.fail(BenchError("connection closed without a response")) }
    }

    /// The status and body of `GET path`.
    static func get(host: String, port: Int, path: String, group: any EventLoopGroup) async throws -> (Int, String) {
        try await send(RawHTTPClient.request(method: "GET", path: path, host: host), host: host, port: port, group: group)
    }

    /// The status and body of `POST path` with a JSON `body` and the admin secret.
    static func postAsAdmin(
        host: String, port: Int, path: String, body: String, adminSecret: String, group: any EventLoopGroup
    ) async throws -> (Int, String) {
        let headers = ["Authorization": "Bearer \(adminSecret)", "Content-Type": "application/json"]
        return try await send(
            RawHTTPClient.request(method: "POST", path: path, host: host, headers: headers, body: body), host: host, port: port, group: group)
    }

    /// The status and body of the answer to `request`, on a connection of its own.
    private static func send(_ request: ByteBuffer, host: String, port: Int, group: any EventLoopGroup) async throws -> (Int, String) {
        let loop = group.next()
        let delegate = OneResponse(promise: loop.makePromise())
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawHTTPClient(request: request, delegate: delegate))
                }
            }
            .connect(host: host, port: port).get()
        defer { channel.close(promise: nil) }
        return try await delegate.promise.futureResult.get()
    }

    /// How long `/health` takes to answer, in milliseconds.
    static func healthMilliseconds(host: String, port: Int, group: any EventLoopGroup) async throws -> Double {
        let started = ContinuousClock.now
        _ = try await get(host: host, port: port, path: "/health", group: group)
        return Double(microseconds(since: started)) / 1000
    }

    /// Polls `/health` until it reports no open sockets (or 30 s pass).
    static func awaitNoPeers(host: String, port: Int, group: any EventLoopGroup) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let (_, body) = try? await get(host: host, port: port, path: "/health", group: group), body.contains(#""peers":0,"#) {
                return
            }
            try await ContinuousClock().sleep(for: .milliseconds(50))
        }
    }
}
