public import HTTPTypes
public import HummingbirdCore
public import Logging
public import NIOCore

extension HTTPServerBuilder {
    /// An HTTP/1.1 server that upgrades `GET /signal` to a signaling socket of `service`, lets
    /// the host app take its own WebSocket upgrades through `shouldUpgrade`, and hands every
    /// other request to the application's router.
    ///
    /// Every connection gets the edge `service`'s configuration sets: a deadline for each
    /// request, a cap on its head, JSON errors for malformed requests and refused upgrades, and
    /// a place in the socket budget.
    /// ```swift
    /// let router = Router()
    /// service.addRoutes(to: router)
    /// router.get("/hello") { _, _ in "hello" }
    /// let app = Application(router: router, server: .signal(service: service) { request, _, _ in
    ///     request.path == "/echo" ? .upgrade { socket, _ in try await echo(socket) } : .dontUpgrade
    /// })
    /// ```
    /// - Parameters:
    ///   - service: The signaling service whose `/signal` sockets this server upgrades.
    ///   - shouldUpgrade: Called on the connection's event loop (it must not block) for a
    ///     `GET` WebSocket upgrade request to any path but `/signal`; its frames may be up to
    ///     the service's `maxMessageBytes`. The default takes none.
    public static func signal(
        service: SignalService,
        shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel, Logger) -> WebSocketUpgrade = { _, _, _ in .dontUpgrade }
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            SignalChannel(service: service, responder: responder, hostUpgrades: shouldUpgrade)
        }
    }
}
