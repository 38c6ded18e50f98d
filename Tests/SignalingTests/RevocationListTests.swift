import Foundation
@testable import Signaling
import Testing

/// The revocation list: what a revocation matches, which live sockets it hands back, and how
/// long (and how many) revocations are kept.
@Suite struct RevocationListTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let hour: TimeInterval = 3600

    func claims(_ subject: String, id: String? = nil, issuedAt: Date?, lifetime: TimeInterval = 3600) -> RoomTokenClaims {
        RoomTokenClaims(
            subject: subject, issuer: "iss", audience: ["aud"], expiresAt: (issuedAt ?? now) + lifetime, issuedAt: issuedAt, notBefore: nil, tokenID: id)
    }

    @Test func aRevokedTokenIDClosesItsHoldersAndIsRefusedFromThenOn() throws {
        let list = RevocationList(maximumTokenLifetime: 24 * hour)
        let token = claims("r", id: "a", issuedAt: now)
        let holder = IdentityPeer(), sameToken = IdentityPeer(), other = IdentityPeer()
        #expect(list.admit(holder, token: token))
        #expect(list.admit(sameToken, token: token))
        #expect(list.admit(other, token: claims("r", id: "b", issuedAt: now)))

        let closed = try list.revoke(.tokenID("a"), now: now)
        #expect(Set(closed.map(ObjectIdentifier.init)) == [ObjectIdentifier(holder), ObjectIdentifier(sameToken)])
        #expect(!list.admit(IdentityPeer(), token: token))
        #expect(list.isRevoked(token) && !list.isRevoked(claims("r", id: "b", issuedAt: now)))
        #expect(list.holderCount == 1)
        // Once handed back a holder is no longer tracked: a second revocation finds nobody.
        #expect(try list.revoke(.tokenID("a"), now: now).isEmpty)
    }

    @Test func aSubjectRevocationMatchesTokensIssuedBeforeItsTimeAndTokensWithoutIat() throws {
        let list = RevocationList(maximumTokenLifetime: 24 * hour)
        let before = now - 60
        let old = IdentityPeer(), undated = IdentityPeer(), fresh = IdentityPeer(), elsewhere = IdentityPeer()
        #expect(list.admit(old, token: claims("s", issuedAt: before - 1)))
        #expect(list.admit(undated, token: claims("s", issuedAt: nil)))
        #expect(list.admit(fresh, token: claims("s", issuedAt: before)))
        #expect(list.admit(elsewhere, token: claims("t", issuedAt: before - 1)))

        let closed = try list.revoke(.subject("s", issuedBefore: before), now: now)
        #expect(Set(closed.map(ObjectIdentifier.init)) == [ObjectIdentifier(old), ObjectIdentifier(undated)])
        #expect(!list.admit(IdentityPeer(), token: claims("s", issuedAt: before - 3600)))
        #expect(list.admit(IdentityPeer(), token: claims("s", issuedAt: now)))
        #expect(list.admit(IdentityPeer(), token: claims("t", issuedAt: before - 3600)))
        // An earlier `before` for the same subject never narrows the revocation.
        _ = try list.revoke(.subject("s", issuedBefore: before - 600), now: now)
        #expect(list.isRevoked(claims("s", issuedAt: before - 1)))
        #expect(list.count == 1)
    }

    @Test func aReleasedSocketIsNotHandedBack() throws {
        let list = RevocationList(maximumTokenLifetime: 24 * hour)
        let peer = IdentityPeer()
        #expect(list.admit(peer, token: claims("r", id: "a", issuedAt: now)))
        list.release(peer, subject: "r")
        #expect(list.holderCount == 0)
        #expect(try list.revoke(.tokenID("a"), now: now).isEmpty)
    }

    @Test func revocationsAreForgottenOnceTheTokensTheyMatchHaveExpired() throws {
        let list = RevocationList(maximumTokenLifetime: 24 * hour)
        // A live holder tells its token's exp: kept until then.
        #expect(list.admit(IdentityPeer(), token: claims("r", id: "known", issuedAt: now, lifetime: hour)))
        _ = try list.revoke(.tokenID("known"), now: now)
        // An unknown token may live the longest lifetime.
        _ = try list.revoke(.tokenID("unknown"), now: now)
        // A subject's tokens issued before `before` are all expired by `before` + the longest lifetime.
        _ = try list.revoke(.subject("s", issuedBefore: now - 2 * hour), now: now)
        #expect(list.count == 3)

        _ = try list.revoke(.tokenID("probe-1"), now: now + hour + 1)
        #expect(!list.isRevoked(claims("r", id: "known", issuedAt: now)))
        #expect(list.count == 3)
        _ = try list.revoke(.tokenID("probe-2"), now: now + 22 * hour + 1)
        #expect(!list.isRevoked(claims("s", issuedAt: now - 3 * hour)))
        #expect(list.isRevoked(claims("r", id: "unknown", issuedAt: now)))
        _ = try list.revoke(.tokenID("probe-3"), now: now + 24 * hour + 1)
        #expect(!list.isRevoked(claims("r", id: "unknown", issuedAt: now)))
    }

    @Test func atCapacityANewRevocationIsRefusedUntilOldOnesExpire() throws {
        let list = RevocationList(maximumTokenLifetime: hour, capacity: 2)
        _ = try list.revoke(.tokenID("a"), now: now)
        _ = try list.revoke(.subject("s", issuedBefore: now), now: now)
        let full = #expect(throws: RevocationList.Full.self) { try list.revoke(.tokenID("b"), now: now) }
        #expect(full?.capacity == 2)
        #expect(throws: RevocationList.Full.self) { try list.revoke(.subject("t", issuedBefore: now), now: now) }
        // Repeating a kept revocation takes no new place.
        _ = try list.revoke(.tokenID("a"), now: now)
        #expect(!list.isRevoked(claims("r", id: "b", issuedAt: now)))
        #expect(list.count == 2)
        _ = try list.revoke(.tokenID("b"), now: now + 2 * hour)
        #expect(list.count == 1)
    }
}
