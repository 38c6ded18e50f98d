import NIOCore
import Prometheus
import Signaling

/// One event loop's counts of per-message events, in plain fields that only code running on
/// that loop touches: the `/signal` sockets of the loop count into them, and
/// ``SignalMetrics`` reads them there (``takeCounts()`` through `EventLoop.submit`) when
/// `/metrics` is scraped. Counting costs an addition: no lock, no atomic, no allocation.
final class EventLoopMetrics: @unchecked Sendable {
    /// Events counted since the last scrape.
    struct Counts: Sendable {
        var offers = 0
        var answers = 0
        var iceCandidates = 0
        var badMessages = 0
        var peersNotFound = 0
        var notRegistered = 0
        var rateLimited = 0
        var unavailable = 0
    }

    /// The loop whose sockets count here, and the only thread that touches ``counts``.
    let eventLoop: any EventLoop
    private let relayDuration: DurationHistogram
    private var counts = Counts()
    private var relaysUntilTimed = SignalMetrics.relayTimingInterval

    init(eventLoop: any EventLoop, relayDuration: DurationHistogram) {
        self.eventLoop = eventLoop
        self.relayDuration = relayDuration
    }

    /// A message of type `kind` that arrived at `receivedAt` has been handed to its target.
    /// One in ``SignalMetrics/relayTimingInterval`` is timed: the histogram takes a lock.
    func relayed(_ kind: RelayEnvelope.Kind, receivedAt: NIODeadline) {
        eventLoop.assertInEventLoop()
        switch kind {
        case .offer: counts.offers &+= 1
        case .answer: counts.answers &+= 1
        case .iceCandidate: counts.iceCandidates &+= 1
        }
        relaysUntilTimed &-= 1
        if relaysUntilTimed == 0 {
            relaysUntilTimed = SignalMetrics.relayTimingInterval
            relayDuration.recordNanoseconds(Int64(NIODeadline.now().uptimeNanoseconds &- receivedAt.uptimeNanoseconds))
        }
    }

    /// An `error` frame with `code` was sent to a client.
    func errorSent(_ code: SignalErrorCode) {
        eventLoop.assertInEventLoop()
        switch code {
        case .badMessage: counts.badMessages &+= 1
        case .peerNotFound: counts.peersNotFound &+= 1
        case .notRegistered: counts.notRegistered &+= 1
        case .rateLimited: counts.rateLimited &+= 1
        case .unavailable: counts.unavailable &+= 1
        }
    }

    /// The counts since the last call; they start again from zero. Runs on ``eventLoop``.
    func takeCounts() -> Counts {
        eventLoop.preconditionInEventLoop()
        defer { counts = Counts() }
        return counts
    }
}
