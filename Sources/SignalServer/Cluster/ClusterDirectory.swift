public import Logging
import NIOConcurrencyHelpers
public import NIOCore
public import RedisClient
public import Signaling

/// The ``PeerDirectory`` of an instance among several that share their rooms through Redis
/// (`REDIS_URL`; README § Running several instances).
///
/// Redis holds who holds which key: each room is a hash of ``MemberRecord``s, changed only by
/// ``ClusterScripts``, atomically, each publishing what it changed on the room's events channel.
/// The instance keeps its own sockets and, for every room it has sockets in, a mirror of the
/// other instances' members, kept current by those events; so every call answers at once from
/// local state and never awaits, and a relay to a socket of this instance never touches Redis.
///
/// - Admission is decided locally from the mirror and confirmed by the `admit` script, which
///   refuses (4409, 4429) or replaces across instances: the instance that held the older
///   socket sees the newer epoch in the room's events and closes its socket 1000.
/// - A register is answered with the list the `register` script computes over every instance
///   (``DirectoryRegistration/deferred``): two peers registering on two instances at once
///   always see each other in one order or the other.
/// - A relay to a member of another instance is published on that instance's channel
///   (``RemotePeer``), already stamped; the instance writes it to the socket from the
///   subscriber's channel handler, with no task per message.
/// - While Redis is unreachable, local rooms keep working: registers are answered from local
///   state, relays to other instances get `UNAVAILABLE`. A frozen Redis counts as unreachable
///   too, through the client's defaults: a reply 5 s late drops the connection (pending scripts
///   fail, a deferred register is answered locally), and the subscriber pings after each quiet
///   second, so ``isLinked`` turns false within about 6 s even with no traffic. When both connections are back, the
///   instance restores its sockets' entries (``ClusterScripts/restore``) and reloads its mirrors.
public final class ClusterDirectory: PeerDirectory {
    /// One of this instance's sockets.
    private struct LocalMember {
        let peer: any PeerConnection
        /// This instance's number for the socket: with the instance id, it names the socket in
        /// Redis, so that commands of a replaced socket never touch its successor's entry.
        let socket: UInt64
        let proven: Bool
        var role: PeerRole?
        var serveConsumers = true
        var capacity: Double?
        var sessions: Double = 0
        /// The epoch of the socket's admission, once Redis has answered it.
        var epoch: UInt64?
        /// The newest epoch at which another instance took the key while ``epoch`` was unknown.
        var takenAt: UInt64 = 0
    }

    /// A member of another instance, as the mirror knows it.
    private struct RemoteMember {
        let record: MemberRecord
        let peer: RemotePeer
    }

    private struct Room {
        /// Tells a room apart from a later one of the same name (its subscription is another).
        let generation: UInt64
        var local: [String: LocalMember] = [:]
        var remote: [String: RemoteMember] = [:]
        /// Commands held until the subscription to the room's events is confirmed, so that
        /// nothing the room's scripts publish after them is missed; `nil` once subscribed.
        var waiting: [@Sendable () -> Void]? = []
        /// Scripts sent whose answer carries the room's members and is not in yet.
        var snapshotsInFlight = 0
        /// Epochs of members whose removal was seen while a snapshot was in flight: an older
        /// snapshot must not bring them back.
        var removedEpochs: [String: UInt64] = [:]

        var memberCount: Int { local.count + remote.count }
    }

    private struct State {
        var rooms: [String: Room] = [:]
        var nextSocket: UInt64 = 0
        var nextGeneration: UInt64 = 0
        var linked = false
        var localCount = 0
    }

    /// The callbacks' way back to the directory, which creates the connections before it exists.
    private final class Owner: @unchecked Sendable {
        // Set once in `init`, before either connection starts; only read afterwards.
        weak var directory: ClusterDirectory?
    }

    /// This instance's id (`INSTANCE_ID`).
    public let instanceID: String
    /// The most sockets one room holds, over every instance.
    public let maximumPeersPerRoom: Int
    let commands: RedisConnection
    let subscriber: RedisSubscriber
    private let revocations: RevocationList
    private let logger: Logger
    private let instanceChannel: ByteBuffer
    private let state = NIOLockedValueBox(State())

    /// A directory for instance `instanceID`, sharing rooms through the Redis at `endpoint`,
    /// whose connections run on `eventLoop`. Revocations other instances publish are applied
    /// to `revocations`. Nothing connects before ``start()``.
    public init(
        endpoint: RedisEndpoint, instanceID: String, maximumPeersPerRoom: Int, revocations: RevocationList,
        eventLoop: any EventLoop, logger: Logger
    ) {
        self.instanceID = instanceID
        self.maximumPeersPerRoom = maximumPeersPerRoom
        self.revocations = revocations
        self.logger = logger
        self.instanceChannel = ClusterKeys.instance(instanceID)
        let owner = Owner()
        // The scripts are loaded before the connection counts as connected: a room's admit,
        // register and remove, pipelined, must run in the order they were sent.
        commands = RedisConnection(endpoint: endpoint, eventLoop: eventLoop, logger: logger, scripts: ClusterScripts.all) { _ in
            owner.directory?.linkChanged()
        }
        subscriber = RedisSubscriber(
            endpoint: endpoint, eventLoop: eventLoop, logger: logger,
            onMessage: { channel, message in owner.directory?.received(message, on: channel) },
            onStateChange: { _ in owner.directory?.linkChanged() })
        owner.directory = self
    }

    /// Connects to Redis (and keeps reconnecting): subscribes to this instance's channel and to
    /// revocations.
    public func start() {
        commands.start()
        subscriber.start()
        _ = subscriber.subscribe([instanceChannel, ClusterKeys.revocations])
    }

    /// Whether both Redis connections are up: `/ready` answers 503 otherwise.
    public var isLinked: Bool { commands.isConnected && subscriber.isConnected }

    /// Sockets of this instance admitted to rooms.
    public var localMemberCount: Int { state.withLockedValue { $0.localCount } }

    public var roomCount: Int { state.withLockedValue { $0.rooms.count } }

    public var memberCount: Int { localMemberCount }

    // MARK: - PeerDirectory

    public func admit(_ peer: any PeerConnection, room: String, nodeId: String, proven: Bool) -> DirectoryAdmission {
        var send: [@Sendable () -> Void] = []
        var subscription: UInt64?
        let admission = state.withLockedValue { state -> DirectoryAdmission in
            var roomState: Room
            if let existing = state.rooms[room] {
                roomState = existing
            } else {
                state.nextGeneration += 1
                roomState = Room(generation: state.nextGeneration)
            }
            let replaced = roomState.local[nodeId]
            if let replaced {
                if !proven, replaced.role != nil || replaced.proven { return .nodeIdInUse }
            } else if let remote = roomState.remote[nodeId] {
                if !proven, remote.record.role != nil || remote.record.proven { return .nodeIdInUse }
            } else if roomState.memberCount >= maximumPeersPerRoom {
                return .roomFull
            }
            state.nextSocket += 1
            let socket = state.nextSocket
            let firstInRoom = state.rooms[room] == nil
            if firstInRoom { subscription = roomState.generation }
            if replaced == nil { state.localCount += 1 }
            roomState.remote[nodeId] = nil
            roomState.local[nodeId] = LocalMember(peer: peer, socket: socket, proven: proven)
            if firstInRoom { roomState.snapshotsInFlight += 1 }
            let command: @Sendable () -> Void = { [self] in
                self.sendAdmit(peer, room: room, nodeId: nodeId, socket: socket, proven: proven, wantMembers: firstInRoom)
            }
            Self.schedule(command, in: &roomState, into: &send)
            state.rooms[room] = roomState
            return .admitted(replaced: replaced?.peer)
        }
        if let subscription { subscribe(to: room, generation: subscription) }
        for command in send { command() }
        return admission
    }

    public func registerNormal(
        _ peer: any PeerConnection, room: String, nodeId: String, serveConsumers: Bool, capacity: Double?
    ) -> DirectoryRegistration {
        register(peer, room: room, nodeId: nodeId, role: .normal, serveConsumers: serveConsumers, capacity: capacity)
    }

    public func registerConsumer(_ peer: any PeerConnection, room: String, nodeId: String) -> DirectoryRegistration {
        register(peer, room: room, nodeId: nodeId, role: .consumer, serveConsumers: true, capacity: nil)
    }

    public func heartbeat(_ peer: any PeerConnection, room: String, nodeId: String, _ heartbeat: Heartbeat) {
        var send: [@Sendable () -> Void] = []
        state.withLockedValue { state in
            guard var member = state.rooms[room]?.local[nodeId], member.peer === peer, member.role == .normal else { return }
            if let sessions = heartbeat.sessions { member.sessions = sessions }
            if let serveConsumers = heartbeat.serveConsumers { member.serveConsumers = serveConsumers }
            if let capacity = heartbeat.capacity { member.capacity = capacity }
            state.rooms[room]!.local[nodeId] = member
            let arguments = [
                nodeId, instanceID, String(member.socket), heartbeat.sessions.map { String($0) } ?? "",
                heartbeat.serveConsumers.map { $0 ? "1" : "0" } ?? "", heartbeat.capacity.map { String($0) } ?? "",
            ]
            let command: @Sendable () -> Void = { [self] in
                _ = self.commands.run(ClusterScripts.heartbeat, keys: [ClusterKeys.members(room)], arguments: arguments.map(ByteBuffer.init))
            }
            Self.schedule(command, in: &state.rooms[room]!, into: &send)
        }
        for command in send { command() }
    }

    public func route(from senderRole: PeerRole, room: String, to target: String) -> PeerRoute {
        state.withLockedValue { state in
            guard let roomState = state.rooms[room] else { return .peerNotFound }
            if let member = roomState.local[target] {
                guard member.role != nil || member.proven else { return .peerNotFound }
                if senderRole == .consumer && member.role == .consumer { return .refused }
                return .deliver(member.peer)
            }
            guard let remote = roomState.remote[target], remote.record.isRoutable else { return .peerNotFound }
            if senderRole == .consumer && remote.record.role == .consumer { return .refused }
            return commands.isConnected ? .deliver(remote.peer) : .unavailable
        }
    }

    @discardableResult
    public func remove(_ peer: any PeerConnection, room: String, nodeId: String) -> Bool {
        guard let member = removeLocal(peer, room: room, nodeId: nodeId) else { return false }
        let keys = [ClusterKeys.members(room), ClusterKeys.epoch(room), ClusterKeys.rotation(room)]
        _ = commands.run(
            ClusterScripts.remove, keys: keys,
            arguments: [ByteBuffer(string: nodeId), ByteBuffer(string: instanceID), ByteBuffer(string: String(member.socket)), ClusterKeys.events(room)])
        return true
    }

    // MARK: - Cluster-wide actions

    /// Publishes a revocation made on this instance, for every instance (this one included:
    /// applying it again closes nothing more) to close the sockets it matches.
    public func publishRevocation(_ revocation: RevocationList.Revocation) {
        commands.sendIgnoringReply([ByteBuffer(string: "PUBLISH"), ClusterKeys.revocations, ClusterRevocation.message(revocation)])
    }

    /// The cluster as the last ``refreshPresence(timeToLive:)`` saw it: live instances and
    /// their sockets.
    public struct Census: Sendable, Equatable {
        /// Instances whose liveness key was there.
        public var instances: Int
        /// Sockets admitted to rooms on those instances, registered or pending.
        public var peers: Int
    }

    /// Refreshes this instance's liveness key (it expires after `timeToLive` unless refreshed
    /// again), writes its sockets back when it finds itself out of the cluster, counts the live
    /// instances and their sockets, and cleans up after instances whose key expired: their
    /// entries leave every room, as if each of their sockets had closed.
    public func refreshPresence(timeToLive: Duration) async throws -> Census {
        let milliseconds = max(1, timeToLive.components.seconds * 1000 + timeToLive.components.attoseconds / 1_000_000_000_000_000)
        _ = try await commands.send(
            [ByteBuffer(string: "SET"), ClusterKeys.alive(instanceID), ByteBuffer(string: String(localMemberCount)),
             ByteBuffer(string: "PX"), ByteBuffer(string: String(milliseconds))]
        ).get()
        let joined = try await commands.send([ByteBuffer(string: "SADD"), ClusterKeys.instances, ByteBuffer(string: instanceID)]).get()
        if joined.int == 1 {
            // Not a member: this is the first refresh, Redis lost its data, or another instance
            // reaped this one while its key had expired (Redis frozen or out of reach for longer
            // than the TTL). A reap ends by taking the instance out of the set, so a restore sent
            // now runs after every removal of that reap, even one that raced an earlier restore.
            restore()
        }
        let ids = try await commands.send([ByteBuffer(string: "SMEMBERS"), ClusterKeys.instances]).get().array?.compactMap(\.string) ?? []
        guard !ids.isEmpty else { return Census(instances: 0, peers: 0) }
        let counts = try await commands.send([ByteBuffer(string: "MGET")] + ids.map(ClusterKeys.alive)).get().array ?? []
        var census = Census(instances: 0, peers: 0)
        for (id, count) in zip(ids, counts) {
            if let count = count.int {
                census.instances += 1
                census.peers += Int(count)
            } else {
                try await reap(id)
            }
        }
        return census
    }

    /// Removes a dead instance's entries from every room it had sockets in, and forgets it.
    private func reap(_ id: String) async throws {
        let rooms = try await commands.send([ByteBuffer(string: "SMEMBERS"), ClusterKeys.rooms(of: id)]).get().array?.compactMap(\.string) ?? []
        for room in rooms {
            _ = try await commands.run(
                ClusterScripts.restore, keys: [ClusterKeys.members(room), ClusterKeys.epoch(room), ClusterKeys.rotation(room)],
                arguments: [ByteBuffer(string: id), ClusterKeys.events(room)]
            ).get()
        }
        _ = try await commands.send([ByteBuffer(string: "DEL"), ClusterKeys.rooms(of: id)]).get()
        _ = try await commands.send([ByteBuffer(string: "SREM"), ClusterKeys.instances, ByteBuffer(string: id)]).get()
        logger.notice("instance gone: its peers left every room", metadata: ["instance": .string(id.escapedForLog), "rooms": "\(rooms.count)"])
    }

    /// Takes this instance out of the cluster at shutdown (its sockets have left by then), and
    /// closes both connections.
    public func leave() async {
        _ = try? await commands.send([ByteBuffer(string: "DEL"), ClusterKeys.alive(instanceID), ClusterKeys.rooms(of: instanceID)]).get()
        _ = try? await commands.send([ByteBuffer(string: "SREM"), ClusterKeys.instances, ByteBuffer(string: instanceID)]).get()
        try? await subscriber.close().get()
        try? await commands.close().get()
    }

    // MARK: - Commands

    /// Runs `command` now, or after the room's subscription is confirmed.
    private static func schedule(_ command: @escaping @Sendable () -> Void, in room: inout Room, into send: inout [@Sendable () -> Void]) {
        if room.waiting != nil {
            room.waiting!.append(command)
        } else {
            send.append(command)
        }
    }

    /// Subscribes to a room's events, then sends the commands that waited for it.
    private func subscribe(to room: String, generation: UInt64) {
        commands.sendIgnoringReply([ByteBuffer(string: "SADD"), ClusterKeys.rooms(of: instanceID), ByteBuffer(string: room)])
        subscriber.subscribe([ClusterKeys.events(room)]).whenComplete { [self] _ in
            let waiting = state.withLockedValue { state -> [@Sendable () -> Void] in
                guard let roomState = state.rooms[room], roomState.generation == generation, let waiting = roomState.waiting else { return [] }
                state.rooms[room]!.waiting = nil
                return waiting
            }
            for command in waiting { command() }
        }
    }

    private func sendAdmit(_ peer: any PeerConnection, room: String, nodeId: String, socket: UInt64, proven: Bool, wantMembers: Bool) {
        let arguments = [
            nodeId, instanceID, String(socket), proven ? "1" : "0", String(maximumPeersPerRoom),
        ].map(ByteBuffer.init) + [ClusterKeys.events(room), ByteBuffer(string: wantMembers ? "1" : "0")]
        commands.run(ClusterScripts.admit, keys: [ClusterKeys.members(room), ClusterKeys.epoch(room)], arguments: arguments)
            .whenComplete { [self] result in
                admitAnswered(peer, room: room, nodeId: nodeId, result: result, wantedMembers: wantMembers)
            }
    }

    private func admitAnswered(
        _ peer: any PeerConnection, room: String, nodeId: String, result: Result<RESPValue, any Error>, wantedMembers: Bool
    ) {
        let answer = (try? result.get())?.array ?? []
        var refusal: CloseCode?
        state.withLockedValue { state in
            guard state.rooms[room] != nil else { return }
            if wantedMembers {
                state.rooms[room]!.snapshotsInFlight -= 1
                if answer.count == 3, let members = answer[2].array { merge(members, into: &state.rooms[room]!, named: room) }
                if state.rooms[room]!.snapshotsInFlight == 0 { state.rooms[room]!.removedEpochs = [:] }
            }
            guard var member = state.rooms[room]!.local[nodeId], member.peer === peer else { return }
            switch answer.first?.string {
            case "busy": refusal = .nodeIdInUse
            case "full": refusal = .roomFull
            case "ok":
                guard let epoch = answer.count >= 2 ? answer[1].int.map(UInt64.init) : nil else { return }
                member.epoch = epoch
                state.rooms[room]!.local[nodeId] = member
                if member.takenAt > epoch { refusal = .replaced }
            default:
                return  // no answer: Redis is unreachable, and the restore once it is back decides
            }
        }
        guard let refusal else { return }
        // The key is another socket's in Redis: give it up here, without touching its entry.
        _ = removeLocal(peer, room: room, nodeId: nodeId)
        peer.close(refusal)
    }

    private func register(
        _ peer: any PeerConnection, room: String, nodeId: String, role: PeerRole, serveConsumers: Bool, capacity: Double?
    ) -> DirectoryRegistration {
        var send: [@Sendable () -> Void] = []
        let registration = state.withLockedValue { state -> DirectoryRegistration in
            guard var member = state.rooms[room]?.local[nodeId], member.peer === peer, member.role == nil else { return .notHolder }
            member.role = role
            member.serveConsumers = serveConsumers
            member.capacity = capacity
            state.rooms[room]!.local[nodeId] = member
            guard commands.isConnected else { return .listed(Self.localList(for: nodeId, role: role, in: state.rooms[room]!)) }
            state.rooms[room]!.snapshotsInFlight += 1
            let arguments = [
                nodeId, instanceID, String(member.socket), role == .normal ? "n" : "c", serveConsumers ? "1" : "0",
                capacity.map { String($0) } ?? "",
            ].map(ByteBuffer.init) + [ClusterKeys.events(room)]
            let command: @Sendable () -> Void = { [self] in
                commands.run(ClusterScripts.register, keys: [ClusterKeys.members(room), ClusterKeys.rotation(room)], arguments: arguments)
                    .whenComplete { [self] result in
                        registerAnswered(peer, room: room, nodeId: nodeId, role: role, result: result)
                    }
            }
            Self.schedule(command, in: &state.rooms[room]!, into: &send)
            return .deferred
        }
        for command in send { command() }
        return registration
    }

    private func registerAnswered(_ peer: any PeerConnection, room: String, nodeId: String, role: PeerRole, result: Result<RESPValue, any Error>) {
        let answer = (try? result.get())?.array ?? []
        let list = state.withLockedValue { state -> [String]? in
            guard state.rooms[room] != nil else { return nil }
            state.rooms[room]!.snapshotsInFlight -= 1
            defer { if state.rooms[room]!.snapshotsInFlight == 0 { state.rooms[room]!.removedEpochs = [:] } }
            if answer.first?.string == "ok", answer.count == 3, let names = answer[1].array?.compactMap(\.string), let members = answer[2].array {
                merge(members, into: &state.rooms[room]!, named: room)
                return names
            }
            if answer.first?.string == "gone" { return nil }  // replaced or refused: its close is on the way
            // No answer (Redis went away meanwhile): answer from what this instance knows.
            guard let member = state.rooms[room]!.local[nodeId], member.peer === peer else { return nil }
            return Self.localList(for: nodeId, role: role, in: state.rooms[room]!)
        }
        if let list { peer.listReady(list) }
    }

    /// The list for a register answered without Redis: this instance's sockets and the mirror.
    private static func localList(for nodeId: String, role: PeerRole, in room: Room) -> [String] {
        let local = room.local.compactMap { key, member -> String? in
            guard key != nodeId, member.role == .normal else { return nil }
            if role == .consumer {
                guard member.serveConsumers else { return nil }
                if let capacity = member.capacity, member.sessions >= capacity { return nil }
            }
            return key
        }
        return (local + room.remote.compactMap { key, member in member.record.role == .normal ? key : nil }).sorted()
    }

    /// Removes one of this instance's sockets from local state (and the room with its last
    /// socket, unsubscribing from its events); returns it when it still held the key.
    private func removeLocal(_ peer: any PeerConnection, room: String, nodeId: String) -> LocalMember? {
        let (member, roomEmptied) = state.withLockedValue { state -> (LocalMember?, Bool) in
            guard let member = state.rooms[room]?.local[nodeId], member.peer === peer else { return (nil, false) }
            state.rooms[room]!.local[nodeId] = nil
            state.localCount -= 1
            guard state.rooms[room]!.local.isEmpty else { return (member, false) }
            state.rooms[room] = nil
            return (member, true)
        }
        if roomEmptied {
            subscriber.unsubscribe([ClusterKeys.events(room)])
            commands.sendIgnoringReply([ByteBuffer(string: "SREM"), ClusterKeys.rooms(of: instanceID), ByteBuffer(string: room)])
        }
        return member
    }

    // MARK: - What other instances publish

    private func received(_ message: ByteBuffer, on channel: ByteBuffer) {
        if channel == instanceChannel {
            guard let (room, nodeId, frame) = RemotePeer.parse(message) else { return }
            let peer = state.withLockedValue { $0.rooms[room]?.local[nodeId]?.peer }
            peer?.deliver(frame)
        } else if channel == ClusterKeys.revocations {
            guard let revocation = ClusterRevocation.revocation(message) else { return }
            let holders = (try? revocations.revoke(revocation)) ?? []
            for holder in holders { holder.close(.tokenRevoked) }
        } else if let room = ClusterKeys.room(ofEventsChannel: channel), let event = ClusterEvent(message) {
            apply(event, in: room)
        }
    }

    private func apply(_ event: ClusterEvent, in room: String) {
        var replaced: (any PeerConnection)?
        state.withLockedValue { state in
            guard var roomState = state.rooms[room] else { return }
            switch event {
            case .set(let nodeId, let record):
                guard record.instance != instanceID else { return }  // this instance's own entries
                if var member = roomState.local[nodeId] {
                    guard let epoch = member.epoch else {
                        member.takenAt = max(member.takenAt, record.epoch)
                        roomState.local[nodeId] = member
                        state.rooms[room] = roomState
                        return
                    }
                    guard record.epoch > epoch else { return }
                    // Another instance took the key after this one: its socket wins.
                    roomState.local[nodeId] = nil
                    state.localCount -= 1
                    replaced = member.peer
                }
                if let known = roomState.remote[nodeId], known.record.epoch > record.epoch { break }
                roomState.remote[nodeId] = RemoteMember(
                    record: record, peer: RemotePeer(room: room, nodeId: nodeId, instance: record.instance, commands: commands))
            case .removed(let nodeId, let epoch):
                if let known = roomState.remote[nodeId], known.record.epoch <= epoch { roomState.remote[nodeId] = nil }
                if roomState.snapshotsInFlight > 0 { roomState.removedEpochs[nodeId] = max(roomState.removedEpochs[nodeId] ?? 0, epoch) }
            }
            state.rooms[room] = roomState
        }
        if let replaced {
            replaced.close(.replaced)
            if roomEmptiedAfterReplacement(room) {
                subscriber.unsubscribe([ClusterKeys.events(room)])
                commands.sendIgnoringReply([ByteBuffer(string: "SREM"), ClusterKeys.rooms(of: instanceID), ByteBuffer(string: room)])
            }
        }
    }

    /// Drops a room that a replacement left without local sockets; whether it did.
    private func roomEmptiedAfterReplacement(_ room: String) -> Bool {
        state.withLockedValue { state in
            guard let roomState = state.rooms[room], roomState.local.isEmpty else { return false }
            state.rooms[room] = nil
            return true
        }
    }

    /// Adds the other instances' members of a snapshot (`HGETALL`: nodeId, record, …) to a
    /// room's mirror, unless an event since told something newer.
    private func merge(_ members: [RESPValue], into room: inout Room, named name: String) {
        var index = 0
        while index + 1 < members.count {
            defer { index += 2 }
            guard let nodeId = members[index].string, let text = members[index + 1].string, let record = MemberRecord(text),
                record.instance != instanceID, room.local[nodeId] == nil
            else { continue }
            if let removed = room.removedEpochs[nodeId], removed >= record.epoch { continue }
            if let known = room.remote[nodeId], known.record.epoch >= record.epoch { continue }
            room.remote[nodeId] = RemoteMember(
                record: record, peer: RemotePeer(room: name, nodeId: nodeId, instance: record.instance, commands: commands))
        }
    }

    // MARK: - Redis coming and going

    /// Called by either connection when it goes up or down: when both are up again, restores.
    private func linkChanged() {
        let linked = isLinked
        let restore = state.withLockedValue { state -> Bool in
            defer { state.linked = linked }
            return linked && !state.linked
        }
        if restore {
            logger.notice("Redis reachable: restoring this instance's peers")
            self.restore()
        } else if !linked {
            logger.warning("Redis unreachable: rooms keep working on this instance; relays to other instances get UNAVAILABLE")
        }
    }

    /// Writes every socket of this instance back into Redis (which may have restarted empty),
    /// removes entries of sockets that left while it was unreachable, and reloads every mirror.
    private func restore() {
        let rooms = state.withLockedValue { state -> [(String, [String])] in
            state.rooms.map { name, room in
                room.local.sorted { $0.value.socket < $1.value.socket }.reduce(into: (name, [String]())) { result, entry in
                    let member = entry.value
                    let role = member.role.map { $0 == .normal ? "n" : "c" } ?? "-"
                    result.1 += [
                        entry.key, String(member.socket), member.proven ? "1" : "0", role, member.serveConsumers ? "1" : "0",
                        member.capacity.map { String($0) } ?? "", String(member.sessions),
                    ]
                }
            }
        }
        for (room, arguments) in rooms {
            commands.sendIgnoringReply([ByteBuffer(string: "SADD"), ClusterKeys.rooms(of: instanceID), ByteBuffer(string: room)])
            commands.run(
                ClusterScripts.restore, keys: [ClusterKeys.members(room), ClusterKeys.epoch(room), ClusterKeys.rotation(room)],
                arguments: [ByteBuffer(string: instanceID), ClusterKeys.events(room)] + arguments.map(ByteBuffer.init)
            ).whenSuccess { [self] answer in
                restored(room, answer: answer.array ?? [])
            }
        }
    }

    private func restored(_ room: String, answer: [RESPValue]) {
        guard answer.count == 3 else { return }
        let taken = Set(answer[0].array?.compactMap(\.string) ?? [])
        let epochs = answer[1].array ?? []
        var lost: [(String, any PeerConnection)] = []
        state.withLockedValue { state in
            guard var roomState = state.rooms[room] else { return }
            var index = 0
            while index + 1 < epochs.count {
                if let nodeId = epochs[index].string, let epoch = epochs[index + 1].int { roomState.local[nodeId]?.epoch = UInt64(epoch) }
                index += 2
            }
            for nodeId in taken { if let member = roomState.local[nodeId] { lost.append((nodeId, member.peer)) } }
            roomState.remote = [:]
            roomState.removedEpochs = [:]
            state.rooms[room] = roomState
            merge(answer[2].array ?? [], into: &state.rooms[room]!, named: room)
        }
        for (nodeId, peer) in lost {
            _ = removeLocal(peer, room: room, nodeId: nodeId)
            peer.close(.replaced)
        }
    }
}
