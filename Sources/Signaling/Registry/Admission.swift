public import Foundation

/// How a `/signal` socket enters a room, decided from its query and token (SPEC § WebSocket).
public enum Admission: Sendable, Equatable {
    /// Admitted under (room, nodeId). `authorized` when the socket proved its right to the key
    /// (a valid room token, or auth disabled): only such a socket may register as a normal peer
    /// or replace a registered member. `token` is the room token that admitted it: its expiry
    /// caps the TURN credentials handed to the socket, and a revocation of it closes the socket.
    case admit(room: String, nodeId: String, authorized: Bool, token: RoomTokenClaims? = nil)
    /// Refused: close with this code.
    case refuse(CloseCode)

    /// The query parameters that matter for admission, already form-decoded.
    public struct Request: Sendable, Equatable {
        /// `token`; empty counts as absent.
        public var token: String?
        /// `room`.
        public var room: String?
        /// `nodeId`.
        public var nodeId: String?

        /// A request with these parameters.
        public init(token: String? = nil, room: String? = nil, nodeId: String? = nil) {
            self.token = token
            self.room = room
            self.nodeId = nodeId
        }
    }

    /// The longest `room` or `nodeId`, in bytes of UTF-8.
    public static let maximumIdentifierBytes = 256

    /// Decides admission; a room or nodeId that is not 1 to ``maximumIdentifierBytes`` bytes
    /// without control characters is refused 4400 (SPEC v3), whichever path it came by.
    public static func decide(_ request: Request, verifier: TokenVerifier?, now: Date = Date()) -> Admission {
        let admission = decideIdentity(request, verifier: verifier, now: now)
        guard case .admit(let room, let nodeId, _, _) = admission else { return admission }
        return isValidIdentifier(room) && isValidIdentifier(nodeId) ? admission : .refuse(.invalidRoomOrNodeId)
    }

    /// Whether `value` may name a room or a node: 1 to 256 bytes, no control characters.
    public static func isValidIdentifier(_ value: String) -> Bool {
        (1...maximumIdentifierBytes).contains(value.utf8.count)
            && !value.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The room and nodeId the request asks for and may have. `verifier` is `nil` when auth is disabled.
    private static func decideIdentity(_ request: Request, verifier: TokenVerifier?, now: Date) -> Admission {
        guard let verifier else {
            return .admit(room: request.room ?? "default", nodeId: request.nodeId ?? UUID().uuidString.lowercased(), authorized: true)
        }
        guard let token = request.token, !token.isEmpty else {
            // The token-less path is the consumer's: it needs a room, and empty means absent.
            guard let room = request.room, !room.isEmpty else { return .refuse(.missingToken) }
            return .admit(room: room, nodeId: request.nodeId ?? UUID().uuidString.lowercased(), authorized: false)
        }
        guard let claims = try? verifier.verify(token, now: now) else { return .refuse(.invalidToken) }
        // A valid token for one room must not open another, even when the room name is known.
        let room = request.room ?? claims.subject
        guard room == claims.subject else { return .refuse(.roomMismatch) }
        return .admit(room: room, nodeId: request.nodeId ?? claims.subject, authorized: true, token: claims)
    }
}
