import NIOCore

/// The Redis keys and channels instances share.
///
/// Every key of a room carries the room as a hash tag (`signal:{room}:…`), so Redis Cluster
/// keeps a room's keys in one slot and the room's scripts (``ClusterScripts``), which touch only
/// those keys, run there. The per-instance keys are touched one command at a time.
enum ClusterKeys {
    /// The hash of a room's members: nodeId → ``MemberRecord``.
    static func members(_ room: String) -> ByteBuffer { ByteBuffer(string: "signal:{\(room)}:members") }

    /// The counter that gives each admission in a room its epoch.
    static func epoch(_ room: String) -> ByteBuffer { ByteBuffer(string: "signal:{\(room)}:epoch") }

    /// The counter behind a room's round-robin of server lists.
    static func rotation(_ room: String) -> ByteBuffer { ByteBuffer(string: "signal:{\(room)}:rotation") }

    /// The channel of a room's membership events (``ClusterEvent``), which every instance with
    /// members in the room subscribes to.
    static func events(_ room: String) -> ByteBuffer { ByteBuffer(string: eventsPrefix + room + eventsSuffix) }

    /// The room whose events channel is `channel`, or `nil` when it is not an events channel.
    static func room(ofEventsChannel channel: ByteBuffer) -> String? {
        let name = String(buffer: channel)
        guard name.hasPrefix(eventsPrefix), name.hasSuffix(eventsSuffix), name.utf8.count >= eventsPrefix.utf8.count + eventsSuffix.utf8.count
        else { return nil }
        return String(name.dropFirst(eventsPrefix.count).dropLast(eventsSuffix.count))
    }

    private static let eventsPrefix = "signal:{"
    private static let eventsSuffix = "}:events"

    /// The channel an instance receives relayed frames and close requests on (``InstanceMessage``).
    static func instance(_ id: String) -> ByteBuffer { ByteBuffer(string: "signal:instance:\(id)") }

    /// An instance's liveness key: its member count, expiring after `PRESENCE_TTL` unless refreshed.
    static func alive(_ id: String) -> ByteBuffer { ByteBuffer(string: "signal:alive:\(id)") }

    /// The set of rooms an instance has members in, which survivors clean up when it dies.
    static func rooms(of id: String) -> ByteBuffer { ByteBuffer(string: "signal:rooms:\(id)") }

    /// The set of instance ids that have announced themselves.
    static let instances = ByteBuffer(string: "signal:instances")

    /// The channel of `POST /revoke`, which every instance applies.
    static let revocations = ByteBuffer(string: "signal:revocations")
}
