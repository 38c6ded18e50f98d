/// The two kinds of client of a room (SPEC § Roles and frames).
public enum PeerRole: String, Sendable, Equatable {
    /// A browser of the room's own app: listed in `peer-list`, may serve consumers.
    case normal
    /// A reader of the room that is not one of its peers: gets a `server-list`, never listed.
    case consumer
}
