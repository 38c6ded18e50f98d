/// A WebSocket handshake request as a browser sends it, to `target`, with `headers` (`"Name: value"`) added.
func webSocketRequest(_ target: String, adding headers: [String]) -> String {
    // "\r\n" is one Character: dropping one removes the blank line that ends the head.
    String(webSocketRequest(target).dropLast()) + headers.map { $0 + "\r\n" }.joined() + "\r\n"
}

/// Opens a raw connection and sends a handshake to `target` with `headers`; returns it with the answer.
func rawUpgrade(port: Int, _ target: String, adding headers: [String] = []) async throws -> (RawConnection, RawConnection.Response) {
    let connection = try await RawConnection.open(port: port)
    try await connection.send(webSocketRequest(target, adding: headers))
    return (connection, try await connection.readResponse())
}
