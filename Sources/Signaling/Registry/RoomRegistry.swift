import NIOConcurrencyHelpers
import OrderedCollections

/// The in-process ``PeerDirectory``: every room of this process, behind one lock.
///
/// Every change happens under the lock in one of the methods below, and each critical section
/// is a couple of dictionary operations, so the relay hot path (``route(from:room:to:)``)
/// never waits long. The registry never touches a socket: it returns what the caller must do.
public final class RoomRegistry: PeerDirectory {
    private struct Member {
        let peer: any PeerConnection
        /// Admitted with a room token, or with auth off.
        let proven: Bool
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

    private let rooms = NIOLockedValueBox<[String: Room]>([:])

    /// The most sockets one room holds, registered or pending.
    public let maximumPeersPerRoom: Int

    /// Creates an empty registry whose rooms hold at most `maximumPeersPerRoom` sockets each.
    public init(maximumPeersPerRoom: Int = 1_000) {
        self.maximumPeersPerRoom = maximumPeersPerRoom
    }

    public var roomCount: Int { rooms.withLockedValue { $0.count } }

    public var memberCount: Int { rooms.withLockedValue { $0.values.reduce(0) { $0 + $1.members.count } } }

    public func admit(_ peer: any PeerConnection, room: String, nodeId: String, proven: Bool) -> DirectoryAdmission {
        rooms.withLockedValue { rooms in
            let existing = rooms[room]?.members[nodeId]
            if let existing, !proven, existing.role != nil || existing.proven {
                return .nodeIdInUse
            }
            if existing == nil, let members = rooms[room]?.members, members.count >= maximumPeersPerRoom {
                return .roomFull
            }
            // Assigning to an existing key keeps its position in the room's order.
            rooms[room, default: Room()].members[nodeId] = Member(peer: peer, proven: proven)
            return .admitted(replaced: existing?.peer)
        }
    }

    public func registerNormal(
        _ peer: any PeerConnection, room: String, nodeId: String, serveConsumers: Bool, capacity: Double?
    ) -> DirectoryRegistration {
        rooms.withLockedValue { rooms in
            guard var member = rooms[room]?.members[nodeId], member.peer === peer, member.role == nil else { return .notHolder }
            member.role = .normal
            member.serveConsumers = serveConsumers
            member.capacity = capacity
            rooms[room]!.members[nodeId] = member
            return .listed(
                rooms[room]!.members.compactMap { key, other in
                    other.role == .normal && key != nodeId ? key : nil
                })
        }
    }

    public func registerConsumer(_ peer: any PeerConnection, room: String, nodeId: String) -> DirectoryRegistration {
        rooms.withLockedValue { rooms in
            guard var roomState = rooms[room], var member = roomState.members[nodeId], member.peer === peer, member.role == nil
            else { return .notHolder }
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
            return .listed(servers)
        }
    }

    public func heartbeat(_ peer: any PeerConnection, room: String, nodeId: String, _ heartbeat: Heartbeat) {
        rooms.withLockedValue { rooms in
            guard var member = rooms[room]?.members[nodeId], member.peer === peer, member.role == .normal else { return }
            if let sessions = heartbeat.sessions { member.sessions = sessions }
            if let serveConsumers = heartbeat.serveConsumers { member.serveConsumers = serveConsumers }
            if let capacity = heartbeat.capacity { member.capacity = capacity }
            rooms[room]!.members[nodeId] = member
        }
    }

    public func route(from senderRole: PeerRole, room: String, to target: String) -> PeerRoute {
        rooms.withLockedValue { rooms in
            guard let member = rooms[room]?.members[target], member.role != nil || member.proven else { return .peerNotFound }
            if senderRole == .consumer && member.role == .consumer { return .refused }
            return .deliver(member.peer)
        }
    }

    @discardableResult
    public func remove(_ peer: any PeerConnection, room: String, nodeId: String) -> Bool {
        rooms.withLockedValue { rooms in
            guard let member = rooms[room]?.members[nodeId], member.peer === peer else { return false }
            rooms[room]!.members.removeValue(forKey: nodeId)
            if rooms[room]!.members.isEmpty { rooms.removeValue(forKey: room) }
            return true
        }
    }
}
