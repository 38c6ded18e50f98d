import NIOCore
import Synchronization

/// One accepted connection's place in the service's socket budget, given back exactly once.
///
/// Whoever ends up owning the connection releases it: a close callback for an HTTP connection
/// or a host app's WebSocket, the ``UpgradeNegotiator`` when the connection ends before it
/// became anything, or, for a `/signal` socket, its ``SignalSession``, which takes the count
/// over with ``handOver()`` so that an idle socket keeps neither this object nor a callback.
/// A second release is a no-op, so paths that overlap while the connection changes hands
/// cannot count it twice.
final class ConnectionSlot: Sendable {
    private let service: SignalService
    private let released = Atomic<Bool>(false)

    /// Takes a place in `service`'s budget.
    init(service: SignalService) {
        self.service = service
        service.connectionOpened()
    }

    /// Gives the place back, the first time only.
    func release() {
        if !released.exchange(true, ordering: .relaxed) {
            service.connectionClosed()
        }
    }

    /// Ends this slot without giving the place back: the caller now owns the count and calls
    /// `connectionClosed()` itself. Returns `false` when the place was already given back
    /// (the connection ended meanwhile), in which case the caller owns nothing.
    func handOver() -> Bool {
        !released.exchange(true, ordering: .relaxed)
    }

    /// Releases the place when `channel` closes.
    func release(whenClosed channel: any Channel) {
        channel.closeFuture.whenComplete { _ in self.release() }
    }
}
