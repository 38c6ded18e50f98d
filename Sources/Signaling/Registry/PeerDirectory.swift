/// Who is in which room, with which role: the one owner of room and peer state.
///
/// Sockets are keyed by (room, nodeId) from admission on; a socket is *pending* until its
/// `register`. Every method answers at once and never awaits, because the socket handler calls
/// it on its event loop; it returns what the caller must do (close the replaced peer, send a
/// list, deliver a frame) and the caller does it. ``RoomRegistry`` is the in-process
/// implementation and the default. A directory shared by several instances answers with
/// ``PeerConnection`` handles of its own for members held elsewhere, so that "deliver" and
/// "close" reach them without the socket handler knowing where they live.
public protocol PeerDirectory: Sendable {
    /// Number of rooms with at least one socket.
    var roomCount: Int { get }

    /// Number of sockets admitted to rooms, registered or pending.
    var memberCount: Int { get }

    /// Admits a socket as pending under (room, nodeId) (SPEC v3 § Registry).
    ///
    /// A `proven` socket (a valid room token, or auth off) replaces any holder. A socket
    /// admitted without a token may replace only a pending holder that was itself admitted
    /// without one, so a client with no credential can neither evict a peer nor take its place
    /// during its register round trip. A new key in a room that holds its maximum is refused.
    func admit(_ peer: any PeerConnection, room: String, nodeId: String, proven: Bool) -> DirectoryAdmission

    /// Registers a pending socket as a normal peer; its list is the other registered normal
    /// peers of the room.
    func registerNormal(
        _ peer: any PeerConnection, room: String, nodeId: String, serveConsumers: Bool, capacity: Double?
    ) -> DirectoryRegistration

    /// Registers a pending socket as a consumer; its list is the normal peers it may use,
    /// rotated round-robin per room.
    ///
    /// Eligible: registered normal peers with `serveConsumers` whose `sessions` are under
    /// their `capacity` (when they set one).
    func registerConsumer(_ peer: any PeerConnection, room: String, nodeId: String) -> DirectoryRegistration

    /// Applies a normal peer's heartbeat; ignored for anyone else.
    func heartbeat(_ peer: any PeerConnection, room: String, nodeId: String, _ heartbeat: Heartbeat)

    /// Where a registered sender's relayed frame goes: the socket holding `to` in the room,
    /// registered or still pending, but never a pending socket admitted without a token.
    func route(from senderRole: PeerRole, room: String, to target: String) -> PeerRoute

    /// Removes the socket if it still holds (room, nodeId); drops the room when it empties.
    /// Returns whether anything was removed.
    @discardableResult
    func remove(_ peer: any PeerConnection, room: String, nodeId: String) -> Bool
}

/// The result of ``PeerDirectory/admit(_:room:nodeId:proven:)``.
public enum DirectoryAdmission: Sendable {
    /// The socket holds the key now; `replaced` is the older socket it took it from, which the
    /// caller closes with ``CloseCode/replaced``.
    case admitted(replaced: (any PeerConnection)?)
    /// The key belongs to a member that this socket may not replace (4409).
    case nodeIdInUse
    /// The room holds its maximum of sockets and the key is not among them (4429).
    case roomFull
}

/// The result of ``PeerDirectory/registerNormal(_:room:nodeId:serveConsumers:capacity:)`` and
/// ``PeerDirectory/registerConsumer(_:room:nodeId:)``.
public enum DirectoryRegistration: Sendable, Equatable {
    /// Registered; the list that answers the register.
    case listed([String])
    /// Registered; the list comes later through ``PeerConnection/listReady(_:)``, once a
    /// directory shared by several instances has asked the others (a socket that turns out not to
    /// hold its key after all is asked to close instead).
    case deferred
    /// This socket no longer holds the key (it was replaced): nothing was registered.
    case notHolder
}

/// The result of ``PeerDirectory/route(from:room:to:)``.
public enum PeerRoute: Sendable {
    /// Deliver to this peer.
    case deliver(any PeerConnection)
    /// No socket has that nodeId in the room (or only a pending one admitted without a token).
    case peerNotFound
    /// Consumer to consumer: never relayed.
    case refused
    /// The target is held by another instance that cannot be reached now (the shared
    /// directory's link is down).
    case unavailable
}
