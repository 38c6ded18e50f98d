import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1

/// The deadline and the limits an HTTP connection lives under until it upgrades, if it does.
///
/// Every request must arrive whole, head and body, within ``SignalConfiguration/requestTimeout``
/// of the moment the connection is ready for it (opened, or its previous response sent), so a
/// silent, slow or idle keep-alive connection is closed instead of holding a descriptor for
/// ever. A head over ``SignalConfiguration/requestHeadMaxBytes`` is answered 431, anything the
/// HTTP parser rejects 400, both in the JSON error shape, and the connection is closed.
///
/// Sits between the HTTP request decoder and whatever handles requests; refusals are logged at
/// debug level only, so a flood of bad connections cannot flood the log.
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let timeout: TimeAmount
    private let headMaxBytes: Int
    private let logger: Logger
    /// The connection's id for log lines.
    private let connection: String
    /// When the client's current wait runs out; `nil` while the server owes the next step.
    private var deadline: NIODeadline?
    /// The one timer that enforces ``deadline``. Moving the deadline does not reschedule it:
    /// when it fires early it is aimed again at the deadline then in force, so a keep-alive
    /// request costs two clock reads instead of a cancelled and a new scheduled task.
    private var timer: Scheduled<Void>?
    /// Request heads read.
    private var requestsStarted = 0
    /// Requests read to their end.
    private var requestsEnded = 0
    /// Responses sent to their end (one may end before its request does).
    private var responsesEnded = 0
    /// A response head has gone out and its end has not.
    private var responding = false
    private var refused = false

    init(timeout: TimeAmount, headMaxBytes: Int, logger: Logger, connection: String) {
        self.timeout = timeout
        self.headMaxBytes = headMaxBytes
        self.logger = logger
        self.connection = connection
    }

    /// Whether a request has begun and not ended.
    private var isReadingRequest: Bool { requestsStarted > requestsEnded }

    /// Whether every request read so far has been answered in full.
    private var isAnswered: Bool { !responding && responsesEnded >= requestsStarted }

    /// Whether the connection waits for nothing but the client's next request.
    private var isIdle: Bool { !isReadingRequest && isAnswered }

    func handlerAdded(context: ChannelHandlerContext) {
        armDeadline(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            // The decoder caps the header fields; the request line is counted here.
            let size = head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            guard size <= headMaxBytes else {
                refuse(context: context, SignalHTTPError(.requestHeaderFieldsTooLarge, "the request head is over \(headMaxBytes) bytes"))
                return
            }
            requestsStarted += 1
            // A pipelined request arriving while the previous one is answered: the client is sending again.
            if deadline == nil { armDeadline(context: context) }
        case .body:
            break
        case .end:
            requestsEnded += 1
            // The client has sent all it owes; the clock runs again only once it is answered.
            if isIdle { armDeadline(context: context) } else { disarmDeadline() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            responding = true
        case .body:
            break
        case .end:
            responding = false
            responsesEnded += 1
            if isIdle { armDeadline(context: context) }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if parseError == .headerOverflow {
            refuse(context: context, SignalHTTPError(.requestHeaderFieldsTooLarge, "the request head is over \(headMaxBytes) bytes"))
        } else {
            refuse(context: context, SignalHTTPError(.badRequest, "malformed HTTP request"))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutting down, or the client is done sending: a connection between requests has
        // nothing left to wait for.
        if event is ChannelShouldQuiesceEvent || (event as? ChannelEvent) == .inputClosed, isIdle {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Answers `error` and closes, unless a response is already owed or under way (it cannot be
    /// interleaved with one), in which case the connection is only closed.
    private func refuse(context: ChannelHandlerContext, _ error: SignalHTTPError) {
        guard !refused else { return }
        refused = true
        stopTimer()
        logger.debug(
            "refused an HTTP request",
            metadata: ["conn": .string(connection), "status": "\(error.status.code)", "reason": "\(error.message)"])
        if isAnswered {
            context.respondAndClose(error)
        } else {
            context.close(promise: nil)
        }
    }

    private func armDeadline(context: ChannelHandlerContext) {
        let deadline = NIODeadline.now() + timeout
        self.deadline = deadline
        if timer == nil { startTimer(context: context, firingAt: deadline) }
    }

    private func disarmDeadline() {
        deadline = nil
    }

    private func startTimer(context: ChannelHandlerContext, firingAt instant: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: instant) {
            self.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let deadline else { return }
        guard NIODeadline.now() >= deadline else {
            startTimer(context: context, firingAt: deadline)
            return
        }
        logger.debug("closed a connection that did not send a whole request in time", metadata: ["conn": .string(connection)])
        context.close(promise: nil)
    }

    private func stopTimer() {
        deadline = nil
        timer?.cancel()
        timer = nil
    }
}
