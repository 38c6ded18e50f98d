public import NIOCore

/// How one socket reaches another: the handle a ``PeerDirectory`` keeps for each member.
///
/// Both calls must return at once, from any thread: a relay is written on the target's own
/// event loop (or, for a directory shared by several instances, handed to the instance that
/// holds the target), never awaited. Identity (`===`) tells sockets apart, so a stale socket's
/// late close never removes the newer socket that replaced it.
public protocol PeerConnection: AnyObject, Sendable {
    /// Sends a relayed or server frame (JSON text) to the peer.
    func deliver(_ text: ByteBuffer)
    /// Asks the peer's socket to close with `code`.
    func close(_ code: CloseCode)
    /// Hands the peer the list that answers its register, when the directory answered
    /// ``DirectoryRegistration/deferred``.
    func listReady(_ nodeIds: [String])
}
