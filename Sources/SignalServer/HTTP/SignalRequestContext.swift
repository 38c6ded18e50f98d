public import Hummingbird
public import NIOCore

/// The request context of the standalone server's router: Hummingbird's basic context plus the
/// connection's peer address, from which the per-address limits of `POST /token` find the client
/// (``TrustedProxies``).
///
/// An app embedding the service gets the same limits with any context that conforms to
/// `RemoteAddressRequestContext`; with one that does not, every client counts as one.
public struct SignalRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer: the client, or the reverse proxy in front of it.
    public let remoteAddress: SocketAddress?

    /// The context of a request that arrived on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
