import Foundation

/// A `/signal` WebSocket spoken byte by byte over a ``RawConnection``: frames built by hand, as
/// an attacker would send them, including ones a WebSocket library refuses to write (reserved
/// bits, reserved opcodes, unmasked client frames).
struct RawWebSocket {
    let connection: RawConnection
    /// Where the server's frames start in what it sent (after the 101 response).
    private let framesStart: Int

    /// Upgrades a fresh connection to `target` (a `/signal?…` path).
    static func open(port: Int, target: String) async throws -> RawWebSocket {
        let connection = try await RawConnection.open(port: port)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try await connection.send(
            "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let response = try await connection.readResponse()
        guard response.status == 101 else { throw TestSocket.Failure.notUpgraded }
        let bytes = connection.receivedBytes
        let headEnd = Array("\r\n\r\n".utf8)
        guard let end = (0...(bytes.count - headEnd.count)).first(where: { Array(bytes[$0..<($0 + 4)]) == headEnd }) else {
            throw TestSocket.Failure.notUpgraded
        }
        return RawWebSocket(connection: connection, framesStart: end + 4)
    }

    /// One frame as the bytes a client writes: `reservedBits` are RSV1–RSV3 (0 to 7), `opcode`
    /// any 4-bit value; masked with a random key unless `masked` is false. Payloads under 126 bytes.
    static func frame(opcode: UInt8, payload: [UInt8], fin: Bool = true, reservedBits: UInt8 = 0, masked: Bool = true) -> [UInt8] {
        precondition(payload.count < 126 && opcode < 16 && reservedBits < 8)
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | reservedBits << 4 | opcode, (masked ? 0x80 : 0) | UInt8(payload.count)]
        guard masked else { return bytes + payload }
        let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return bytes
    }

    /// Writes `bytes` as they are.
    func send(_ bytes: [UInt8]) async throws {
        try await connection.send(bytes)
    }

    /// Waits for the server's close frame, skipping its other frames; returns its code and reason.
    func nextClose(within seconds: Double = 10) async throws -> (code: UInt16?, reason: [UInt8]) {
        let start = framesStart
        let bytes = try await connection.read(within: seconds, "a close frame") { Self.closeFrame(in: $0, from: start) != nil }
        guard let close = Self.closeFrame(in: bytes, from: start) else {
            throw TestSocket.Failure.timedOut("a close frame; the connection ended without one")
        }
        guard close.count >= 2 else { return (nil, []) }
        return (UInt16(close[0]) << 8 | UInt16(close[1]), Array(close[2...]))
    }

    /// The payload of the first complete close frame among the server's (unmasked) frames.
    private static func closeFrame(in bytes: [UInt8], from start: Int) -> [UInt8]? {
        var index = start
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0F
            var length = Int(bytes[index + 1] & 0x7F)
            var header = 2
            if length == 126 {
                guard index + 4 <= bytes.count else { return nil }
                length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
                header = 4
            } else if length == 127 {
                guard index + 10 <= bytes.count else { return nil }
                length = bytes[(index + 2)..<(index + 10)].reduce(0) { $0 << 8 | Int($1) }
                header = 10
            }
            guard index + header + length <= bytes.count else { return nil }
            if opcode == 0x8 { return Array(bytes[(index + header)..<(index + header + length)]) }
            index += header + length
        }
        return nil
    }
}
