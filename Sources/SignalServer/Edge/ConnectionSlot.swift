import NIOCore
import NIOConcurrencyHelpers

/// One accepted connection's place in the service's socket budget and in its client address's
/// count (`MAX_CONNECTIONS_PER_IP`), given back exactly once.
///
/// Whoever ends up owning the connection releases it: a close callback for an HTTP connection
/// or a host app's WebSocket, the ``UpgradeNegotiator`` when the connection ends before it
/// became anything, or, for a `/signal` socket, its ``SignalSession``, which takes the count
/// over with ``handOver()`` so that an idle socket keeps neither this object nor a callback.
/// A second release is a no-op, so paths that overlap while the connection changes hands
/// cannot count it twice.
final class ConnectionSlot: Sendable {
    private struct State {
        var released = false
        /// The address the connection is counted under: its peer's, until a trusted proxy names the client.
        var address: IPAddress?
    }

    private let service: SignalService
    private let state: NIOLockedValueBox<State>

    /// Takes a place in `service`'s budget for a connection from `address`.
    init(service: SignalService, address: IPAddress?) {
        self.service = service
        self.state = NIOLockedValueBox(State(address: address))
        service.connectionOpened(from: address)
    }

    /// Gives the place back, the first time only.
    func release() {
        let (wasReleased, address) = state.withLockedValue { state in
            defer { state.released = true }
            return (state.released, state.address)
        }
        if !wasReleased { service.connectionClosed(from: address) }
    }

    /// Counts the connection under `client` from now on (the client behind a trusted proxy).
    func attribute(to client: IPAddress?) {
        guard let client else { return }
        state.withLockedValue { state in
            guard !state.released, let address = state.address, address != client else { return }
            service.connectionsPerAddress.move(from: address, to: client)
            state.address = client
        }
    }

    /// Ends this slot without giving the place back: the caller now owns the count and calls
    /// `connectionClosed(from:)` itself with the address returned. Returns `nil` when the place
    /// was already given back (the connection ended meanwhile), in which case the caller owns nothing.
    func handOver() -> Counted? {
        state.withLockedValue { state -> Counted? in
            guard !state.released else { return nil }
            state.released = true
            return Counted(address: state.address)
        }
    }

    /// A connection's count, handed over: the address it is counted under.
    struct Counted: Sendable {
        let address: IPAddress?
    }

    /// Releases the place when `channel` closes.
    func release(whenClosed channel: any Channel) {
        channel.closeFuture.whenComplete { _ in self.release() }
    }
}
