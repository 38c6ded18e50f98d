import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Signaling

/// Serves `POST /token` from the connection's pipeline, on its event loop, through the same
/// ``TokenEndpoint`` as the router's route.
///
/// Why: Hummingbird's per-request path (a task per connection fed through `NIOAsyncChannel`)
/// costs about 59 µs of CPU here even for a constant response, more than a whole mint is allowed
/// (50 µs, one Ed25519 signature included); answered here, a mint costs about 30% less (README,
/// "Performance").
///
/// It takes a request only when the router owes this connection no response, so responses stay
/// in order, and only when the request carries no `Origin`, so browsers get the router's CORS
/// headers. Everything else, those requests included, goes on to the router, whose `/token`
/// route gives the same answers.
final class TokenMintingHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Requests go to the router.
        case forwarding
        /// An authorized `POST /token` is being read.
        case minting(keepAlive: Bool, body: ByteBuffer)
        /// The 401 went out as soon as the head arrived; the rest of the request is dropped.
        case discarding
        /// The body grew past its cap: the 413 is out and the connection closes.
        case refused
    }

    private let endpoint: TokenEndpoint
    private let trustedProxies: TrustedProxies
    private var state = State.forwarding
    /// The connection's peer, read once: a keep-alive client mints many tokens on one connection.
    private var peer: IPAddress??
    /// This connection's request counters by status, looked up in the registry once each.
    private var answeredCounters: [Int: SignalMetrics.PipelineRequestCounters] = [:]
    /// Requests handed to the router whose response has not ended yet.
    private var routerResponsesOwed = 0

    init(endpoint: TokenEndpoint, trustedProxies: TrustedProxies) {
        self.endpoint = endpoint
        self.trustedProxies = trustedProxies
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.forwarding, .head(let head)):
            guard routerResponsesOwed == 0, Self.isMintRequest(head) else {
                routerResponsesOwed += 1
                context.fireChannelRead(data)
                return
            }
            do throws(SignalHTTPError) {
                let peer = self.peer ?? IPAddress(context.channel.remoteAddress)
                self.peer = peer
                let client = trustedProxies.client(peer: peer, headers: head.headers)
                try endpoint.authorize(presented: AdminCredential.presented(in: head.headers), from: client)
                state = .minting(keepAlive: head.isKeepAlive, body: ByteBuffer())
            } catch {
                state = .discarding
                respond(context: context, to: error, keepAlive: head.isKeepAlive)
            }
        case (.minting(let keepAlive, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= TokenRequest.maximumBodyBytes else {
                state = .refused
                respond(context: context, to: TokenEndpoint.bodyTooLarge, keepAlive: false)
                return
            }
            state = .forwarding  // lets `body` be appended to without a copy
            body.writeBuffer(&chunk)
            state = .minting(keepAlive: keepAlive, body: body)
        case (.minting(let keepAlive, let body), .end):
            state = .forwarding
            do throws(SignalHTTPError) {
                let minted = try endpoint.mint(body: body)
                respond(context: context, status: .created, headers: [.contentType: JSONResponse.contentType], body: minted, keepAlive: keepAlive)
            } catch {
                respond(context: context, to: error, keepAlive: keepAlive)
            }
        case (.discarding, .end):
            state = .forwarding
        case (.discarding, _), (.refused, _):
            break
        case (.forwarding, _), (.minting, .head):
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            routerResponsesOwed -= 1
        }
        context.write(data, promise: promise)
    }

    /// A `POST /token` (query string or not) that this handler may answer.
    private static func isMintRequest(_ head: HTTPRequestHead) -> Bool {
        head.method == .POST && SignalQuery.path(of: head.uri) == TokenEndpoint.path
            && !head.headers.contains(name: "origin") && !head.headers.contains(name: "expect")
    }

    private func respond(context: ChannelHandlerContext, to error: SignalHTTPError, keepAlive: Bool) {
        respond(context: context, status: error.status, headers: error.responseHeaders, body: error.body, keepAlive: keepAlive)
    }

    private func respond(context: ChannelHandlerContext, status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer, keepAlive: Bool) {
        if let metrics = endpoint.metrics {
            if answeredCounters[status.code] == nil {
                answeredCounters[status.code] = metrics.pipelineRequestCounters(route: TokenEndpoint.path, method: "POST", status: status.code)
            }
            answeredCounters[status.code]?.increment()
        }
        context.respond(status: status, headers: headers, body: body, close: !keepAlive)
    }
}
