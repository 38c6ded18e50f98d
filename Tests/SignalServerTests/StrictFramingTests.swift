import Testing

/// RFC 6455 framing rules, over raw TCP with hand-built frames: reserved bits (no extension is
/// ever negotiated), reserved opcodes, unmasked client frames, and the client's close frame.
@Suite struct StrictFramingTests {
    static let register = Array(#"{"type":"register"}"#.utf8)

    /// Opens a raw socket in room `r` (auth off), sends `frame`, and checks the server's close
    /// code and reason, and that the socket left its room at once.
    func expectClose(after frame: [UInt8], code: UInt16, reason: String? = nil) async throws {
        try await TestServer.with(authDisabled: true) { server in
            let socket = try await RawWebSocket.open(port: server.port, target: "/signal?room=r&nodeId=raw")
            try await server.awaitHealth { _, rooms in rooms == 1 }
            try await socket.send(frame)
            let close = try await socket.nextClose()
            #expect(close.code == code)
            if let reason { #expect(String(decoding: close.reason, as: UTF8.self) == reason) }
            try await server.awaitHealth { _, rooms in rooms == 0 }
            await socket.connection.close()
        }
    }

    @Test(arguments: [UInt8(1), 2, 4, 7])
    func reservedBitsClose1002(bits: UInt8) async throws {
        try await expectClose(
            after: RawWebSocket.frame(opcode: 0x1, payload: Self.register, reservedBits: bits), code: 1002, reason: "reserved bits set")
    }

    @Test(arguments: [UInt8(3), 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
    func reservedOpcodesClose1002(opcode: UInt8) async throws {
        try await expectClose(after: RawWebSocket.frame(opcode: opcode, payload: []), code: 1002, reason: "reserved opcode")
    }

    @Test func anUnmaskedClientFrameCloses1002() async throws {
        try await expectClose(
            after: RawWebSocket.frame(opcode: 0x1, payload: Self.register, masked: false), code: 1002, reason: "client frame not masked")
    }

    @Test(arguments: [UInt16(0), 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
    func anInvalidCloseCodeCloses1002(code: UInt16) async throws {
        try await expectClose(
            after: RawWebSocket.frame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]), code: 1002, reason: "invalid close code")
    }

    @Test func aOneByteCloseBodyCloses1002() async throws {
        try await expectClose(after: RawWebSocket.frame(opcode: 0x8, payload: [0x03]), code: 1002, reason: "one-byte close frame body")
    }

    @Test func aCloseReasonThatIsNotUTF8Closes1007() async throws {
        try await expectClose(
            after: RawWebSocket.frame(opcode: 0x8, payload: [0x03, 0xE8, 0x62, 0xC3]), code: 1007, reason: "close reason is not valid UTF-8")
    }

    @Test(arguments: [UInt16(1000), 1001, 1003, 1007, 1014, 3000, 4999])
    func aValidCloseCodeWithAUTF8ReasonIsEchoed(code: UInt16) async throws {
        let payload = [UInt8(code >> 8), UInt8(code & 0xFF)] + Array("bye é".utf8)
        try await expectClose(after: RawWebSocket.frame(opcode: 0x8, payload: payload), code: code)
    }
}
