public import Synchronization
import OrderedCollections

/// The one owner of room and peer state: who is in which room, with which role.
///
/// Sockets are keyed by (room, nodeId) from admission on; a socket is *pending* until its
/// `register`. Every change happens under one lock in one of the methods below, and each
/// critical section is a couple of dictionary operations, so the relay hot path (``route``)
/// never waits long. The registry never touches a socket: it returns what the caller must do
/// (close the replaced peer, send a list), and the caller does it outside the lock.
///
/// `Peer` is the caller's handle for a socket; identity (`===`) tells sockets apart, so a stale
/// socket's late close never removes the newer socket that replaced it.
public final class RoomRegistry<Peer: AnyObject & Sendable>: Sendable {
    private struct Member {
        let peer: Peer
        let admittedWithToken: Bool
        var role: PeerRole?
        var serveConsumers = true
        var capacity: Double?
        var sessions: Double = 0
    }

    private struct Room {
        // Ordered so that peer lists come in admission order, as the JS server's `Map` does.
        var members: OrderedDictionary<String, Member> = [:]
        var rotation = 0
    }

    /// The result of ``admit(_:room:nodeId:mayReplaceRegistered:)``.
    public enum Admission: Sendable {
        /// The socket holds the key now; `replaced` is the older socket it took it from.
        case admitted(replaced: Peer?)
        /// The key belongs to a registered member that this socket may not replace (4409).
        case nodeIdInUse
    }

    /// The result of ``route(from:role:room:to:)``.
    public enum Route: Sendable {
        /// Deliver to this peer.
        case deliver(Peer)
        /// No socket has that nodeId in the room.
        case peerNotFound
        /// Consumer to consumer: never relayed.
        case refused
    }

    private let rooms = Mutex<[String: Room]>([:])

    /// Creates an empty registry.
    public init() {}

    /// Number of rooms with at least one socket.
    public var roomCount: Int { rooms.withLock { $0.count } }

    /// Number of sockets admitted to rooms, registered or pending.
    public var memberCount: Int { rooms.withLock { $0.values.reduce(0) { $0 + $1.members.count } } }

    /// Admits a socket as pending under (room, nodeId), creating the room on first join.
    ///
    /// A socket that proved its right to the key (`mayReplaceRegistered`: a valid room token,
    /// or auth off) replaces any holder; a token-less socket may only replace a holder that is
    /// still pending, so guessing a nodeId never evicts a live peer.
    public func admit(_ peer: Peer, room: String, nodeId: String, mayReplaceRegistered: Bool) -> Admission {
        rooms.withLock { rooms in
            let existing = rooms[room]?.members[nodeId]
            if let existing, existing.role != nil, !mayReplaceRegistered {
                return .nodeIdInUse
            }
            // Assigning to an existing key keeps its position in the room's order.
            rooms[room, default: Room()].members[nodeId] = Member(peer: peer, admittedWithToken: mayReplaceRegistered)
            return .admitted(replaced: existing?.peer)
        }
    }

    /// Registers a pending socket as a normal peer; returns the other registered normal peers,
    /// or `nil` when this socket no longer holds the key (it was replaced).
    public func registerNormal(_ peer: Peer, room: String, nodeId: String, serveConsumers: Bool, capacity: Double?) -> [String]? {
        rooms.withLock { rooms in
            guard var member = rooms[room]?.members[nodeId], member.peer === peer, member.role == nil else { return nil }
            member.role = .normal
            member.serveConsumers = serveConsumers
            member.capacity = capacity
            rooms[room]!.members[nodeId] = member
            return rooms[room]!.members.compactMap { key, other in
                other.role == .normal && key != nodeId ? key : nil
            }
        }
    }

    /// Registers a pending socket as a consumer; returns the normal peers it may use, rotated
    /// round-robin per room, or `nil` when this socket no longer holds the key.
    ///
    /// Eligible: registered normal peers with `serveConsumers` whose `sessions` are under
    /// their `capacity` (when they set one).
    public func registerConsumer(_ peer: Peer, room: String, nodeId: String) -> [String]? {
        rooms.withLock { rooms in
            guard var roomState = rooms[room], var member = roomState.members[nodeId], member.peer === peer, member.role == nil
            else { return nil }
            member.role = .consumer
            roomState.members[nodeId] = member
            let eligible = roomState.members.compactMap { key, other -> String? in
                guard other.role == .normal, other.serveConsumers else { return nil }
                if let capacity = other.capacity, other.sessions >= capacity { return nil }
                return key
            }
            var servers = eligible
            if !eligible.isEmpty {
                let offset = roomState.rotation % eligible.count
                roomState.rotation = (offset + 1) % eligible.count
                servers = Array(eligible[offset...] + eligible[..<offset])
            }
            rooms[room] = roomState
            return servers
        }
    }

    /// Applies a normal peer's heartbeat; ignored for anyone else.
    public func heartbeat(_ peer: Peer, room: String, nodeId: String, _ heartbeat: Heartbeat) {
        rooms.withLock { rooms in
            guard var member = rooms[room]?.members[nodeId], member.peer === peer, member.role == .normal else { return }
            if let sessions = heartbeat.sessions { member.sessions = sessions }
            if let serveConsumers = heartbeat.serveConsumers { member.serveConsumers = serveConsumers }
            if let capacity = heartbeat.capacity { member.capacity = capacity }
            rooms[room]!.members[nodeId] = member
        }
    }

    /// Where a registered sender's relayed frame goes: the socket holding `to` in the room,
    /// registered or still pending.
    public func route(from senderRole: PeerRole, room: String, to target: String) -> Route {
        rooms.withLock { rooms in
            guard let member = rooms[room]?.members[target] else { return .peerNotFound }
            if senderRole == .consumer && member.role == .consumer { return .refused }
            return .deliver(member.peer)
        }
    }

    /// Removes the socket if it still holds (room, nodeId); drops the room when it empties.
    /// Returns whether anything was removed.
    @discardableResult
    public func remove(_ peer: Peer, room: String, nodeId: String) -> Bool {
        rooms.withLock { rooms in
            guard let member = rooms[room]?.members[nodeId], member.peer === peer else { return false }
            rooms[room]!.members.removeValue(forKey: nodeId)
            if rooms[room]!.members.isEmpty { rooms.removeValue(forKey: room) }
            return true
        }
    }
}
