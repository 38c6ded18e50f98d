public import HTTPTypes
public import Logging
public import NIOCore
public import NIOWebSocket

/// A host app's answer to a WebSocket upgrade request for a path other than `/signal`; see
/// `HTTPServerBuilder.signal(service:shouldUpgrade:)`.
public enum WebSocketUpgrade: Sendable {
    /// Runs one upgraded WebSocket until it ends: reads frames from `inbound`, writes to
    /// `outbound` (the socket is closed when it returns). Frames arrive as NIO delivers them,
    /// unmasked data in `unmaskedData`; fragments are not reassembled.
    public typealias Handler = @Sendable (NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, Logger) async throws -> Void

    /// Not a WebSocket path of the host: the request goes to the router as if it carried no
    /// `Upgrade` header.
    case dontUpgrade
    /// Upgrade, with these extra headers on the `101`, and hand the socket to the handler.
    case upgrade(HTTPFields = [:], Handler)
}
