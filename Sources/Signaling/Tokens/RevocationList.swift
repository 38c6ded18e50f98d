public import Foundation
import NIOConcurrencyHelpers

/// Revoked room tokens, and the live sockets each room token admitted: `POST /revoke` adds a
/// revocation and gets back the sockets to close; admission asks before a socket enters its room.
///
/// A revocation names one token by its `jti`, or every token of a subject (the room) issued
/// before a time. It is kept only while a token it matches could still be accepted: until that
/// token's `exp` when it is known, else for ``maximumTokenLifetime`` (`MAX_TOKEN_TTL`) after
/// the revocation (a `jti`) or after `before` (a subject). At most ``capacity`` revocations are
/// kept at once, so memory stays bounded even against a caller that revokes in a loop.
///
/// One lock guards it all; admission and release are a dictionary operation each, revocation
/// (rare, an operator's call) walks the sockets of one subject, or of all subjects for a `jti`.
public final class RevocationList: Sendable {
    /// What a revocation matches.
    public enum Revocation: Sendable, Equatable {
        /// The token whose `jti` is this.
        case tokenID(String)
        /// Every token whose `sub` is `subject` and whose `iat` is before `issuedBefore` (a token
        /// without `iat` always: when it was issued cannot be told).
        case subject(String, issuedBefore: Date)
    }

    /// A revocation refused because ``capacity`` revocations are kept already.
    public struct Full: Error, Sendable, Equatable {
        /// How many revocations the list keeps at most.
        public let capacity: Int
    }

    /// A live socket and the token that admitted it.
    private struct Holder {
        let peer: any PeerConnection
        let tokenID: String?
        let issuedAt: Date?
        let expiresAt: Date
    }

    private struct SubjectRevocation {
        var issuedBefore: Date
        var keptUntil: Date
    }

    private struct State {
        /// Revoked `jti` → when the revocation may be forgotten.
        var tokenIDs: [String: Date] = [:]
        /// Revoked subject → its latest `before` and when it may be forgotten.
        var subjects: [String: SubjectRevocation] = [:]
        /// Live sockets admitted with a room token, by the token's subject.
        var holders: [String: [ObjectIdentifier: Holder]] = [:]

        var revocationCount: Int { tokenIDs.count + subjects.count }

        func isRevoked(_ token: RoomTokenClaims) -> Bool {
            if let id = token.tokenID, tokenIDs[id] != nil { return true }
            guard let revocation = subjects[token.subject] else { return false }
            return token.issuedAt.map { $0 < revocation.issuedBefore } ?? true
        }

        /// Stops tracking the holders (of `subject`, or of every subject) that `matches`; returns them.
        mutating func removeHolders(of subject: String? = nil, where matches: (Holder) -> Bool) -> [Holder] {
            var removed: [Holder] = []
            for key in subject.map({ [$0] }) ?? Array(holders.keys) {
                guard let members = holders[key] else { continue }
                let kept = members.filter { !matches($0.value) }
                guard kept.count < members.count else { continue }
                removed += members.values.filter(matches)
                holders[key] = kept.isEmpty ? nil : kept
            }
            return removed
        }

        mutating func forget(before now: Date) {
            tokenIDs = tokenIDs.filter { $0.value > now }
            subjects = subjects.filter { $0.value.keptUntil > now }
        }
    }

    private let state = NIOLockedValueBox(State())

    /// The longest a room token accepted by this server lives: how long a revocation whose
    /// token's `exp` is not known is kept.
    public let maximumTokenLifetime: TimeInterval

    /// The most revocations kept at once.
    public let capacity: Int

    /// The default ``capacity``: 100,000 revocations, a few tens of MB at most.
    public static let defaultCapacity = 100_000

    /// An empty list for tokens that live at most `maximumTokenLifetime`.
    public init(maximumTokenLifetime: TimeInterval, capacity: Int = defaultCapacity) {
        self.maximumTokenLifetime = maximumTokenLifetime
        self.capacity = capacity
    }

    /// Number of revocations kept.
    public var count: Int { state.withLockedValue { $0.revocationCount } }

    /// Number of live sockets tracked.
    public var holderCount: Int { state.withLockedValue { $0.holders.values.reduce(0) { $0 + $1.count } } }

    /// Whether `token` is revoked.
    public func isRevoked(_ token: RoomTokenClaims) -> Bool {
        state.withLockedValue { $0.isRevoked(token) }
    }

    /// Admits `peer`, which presents `token`: `false` when the token is revoked, else `true`,
    /// and the socket is tracked (until ``release(_:subject:)``) so that a later revocation
    /// reaches it. Checking and tracking under one lock means no revocation slips in between.
    public func admit(_ peer: any PeerConnection, token: RoomTokenClaims) -> Bool {
        state.withLockedValue { state in
            guard !state.isRevoked(token) else { return false }
            state.holders[token.subject, default: [:]][ObjectIdentifier(peer)] = Holder(
                peer: peer, tokenID: token.tokenID, issuedAt: token.issuedAt, expiresAt: token.expiresAt)
            return true
        }
    }

    /// Stops tracking `peer`, admitted with a token for `subject` (it left).
    public func release(_ peer: any PeerConnection, subject: String) {
        state.withLockedValue { state in
            guard state.holders[subject]?.removeValue(forKey: ObjectIdentifier(peer)) != nil else { return }
            if state.holders[subject]!.isEmpty { state.holders.removeValue(forKey: subject) }
        }
    }

    /// Adds `revocation` at `now`; returns the live sockets admitted with a token it matches,
    /// no longer tracked, for the caller to close. Revocations past their keeping time are
    /// forgotten first; repeating a revocation adds nothing new.
    public func revoke(_ revocation: Revocation, now: Date = Date()) throws(Full) -> [any PeerConnection] {
        // The lock's closure rethrows untyped errors, so the typed failure travels as a Result.
        try state.withLockedValue { state -> Result<[any PeerConnection], Full> in
            state.forget(before: now)
            switch revocation {
            case .tokenID(let id):
                if state.tokenIDs[id] == nil, state.revocationCount >= capacity { return .failure(Full(capacity: capacity)) }
                let closed = state.removeHolders { $0.tokenID == id }
                // Past its exp a token is refused anyway; a token not seen here may live the longest.
                let keptUntil = closed.map(\.expiresAt).max() ?? now + maximumTokenLifetime
                state.tokenIDs[id] = max(state.tokenIDs[id] ?? keptUntil, keptUntil)
                return .success(closed.map(\.peer))
            case .subject(let subject, let before):
                if state.subjects[subject] == nil, state.revocationCount >= capacity { return .failure(Full(capacity: capacity)) }
                let issuedBefore = max(state.subjects[subject]?.issuedBefore ?? before, before)
                state.subjects[subject] = SubjectRevocation(issuedBefore: issuedBefore, keptUntil: issuedBefore + maximumTokenLifetime)
                return .success(state.removeHolders(of: subject) { $0.issuedAt.map { $0 < issuedBefore } ?? true }.map(\.peer))
            }
        }.get()
    }
}
