import Foundation

/// Byte streams an attacker writes to `/signal`: an upgrade request followed by frames that the
/// server must refuse one way or another, without any effect on other sockets.
struct MalformedFrames {
    /// One connection's bytes and how many frames they hold.
    struct Stream {
        var bytes: [UInt8]
        var frames: Int
    }

    var generator: SeededGenerator

    /// The upgrade request, then `count` frames that leave the socket open (garbage JSON, frames
    /// the protocol refuses with an error reply, pings and pongs), then one frame the server must
    /// refuse (a reserved opcode, an unmasked frame, invalid UTF-8, an oversize length, a bad
    /// close code, a stray continuation, an oversized control frame, RSV bits) or one cut short.
    /// `query` is the upgrade's query string; `registering` sends a `register` first.
    mutating func stream(query: String, registering: Bool, count: Int) -> Stream {
        var bytes = Array(Self.upgradeRequest(query: query, key: randomBytes(16)).utf8)
        if registering { bytes += frame(opcode: 0x1, payload: Array(#"{"type":"register","role":"normal"}"#.utf8)) }
        for _ in 0..<count { bytes += survivableFrame() }
        bytes += closingFrame()
        return Stream(bytes: bytes, frames: count + 1 + (registering ? 1 : 0))
    }

    static func upgradeRequest(query: String, key: [UInt8]) -> String {
        "GET /signal?\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(Data(key).base64EncodedString())\r\nSec-WebSocket-Version: 13\r\n\r\n"
    }

    /// A masked frame (unless `masked` is false) with the FIN bit and `rsv` bits as given.
    mutating func frame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0xF)]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            bytes.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes.append(maskBit | 126)
            bytes += withUnsafeBytes(of: UInt16(payload.count).bigEndian, Array.init)
        } else {
            bytes.append(maskBit | 127)
            bytes += withUnsafeBytes(of: UInt64(payload.count).bigEndian, Array.init)
        }
        guard masked else { return bytes + payload }
        let key = randomBytes(4)
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return bytes
    }

    private mutating func survivableFrame() -> [UInt8] {
        let texts = [
            String(decoding: randomBytes(Int.random(in: 1...200, using: &generator)).map { 0x20 + $0 % 0x5F }, as: UTF8.self),
            "null", "[1,2,3]", "\"offer\"", "42", "{}", "{\"type\":7}", "{\"type\":\"nope\",\"to\":\"a\"}",
            "{\"type\":\"offer\"}", "{\"type\":\"offer\",\"to\":\"ghost-\(Int.random(in: 0...999, using: &generator))\",\"sdp\":\"x\"}",
            "{\"type\":\"offer\",\"to\":\"a\",\"from\":\"b\",\"sdp\":\"forged\"}", "{\"type\":\"ice-candidate\",\"to\":\"b\",\"candidate\":{}}",
            "{\"type\":\"heartbeat\",\"capacity\":\"lots\"}", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
            "{\"type\":\"offer\",\"to\":\"a\",\"n\":1e99999}", "{\"type\":\"offer\",\"to\":\"\\ud800\"}", "{\"type\":\"offer\",",
        ]
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: return frame(opcode: 0x9, payload: randomBytes(Int.random(in: 0...125, using: &generator)))
        case 1: return frame(opcode: 0xA, payload: randomBytes(Int.random(in: 0...125, using: &generator)))
        default: return frame(opcode: 0x1, payload: Array(texts.randomElement(using: &generator)!.utf8))
        }
    }

    private mutating func closingFrame() -> [UInt8] {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: return frame(opcode: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF].randomElement(using: &generator)!, payload: randomBytes(5))
        case 1: return frame(opcode: 0x1, payload: Array(#"{"type":"heartbeat"}"#.utf8), masked: false)
        case 2: return frame(opcode: 0x1, payload: [0x7B, 0xC3, 0x28, 0xFF, 0xFE, 0x7D])
        case 3:
            // A 64-bit length far over any limit, with a few bytes of the promised payload.
            return [0x81, 0xFF] + withUnsafeBytes(of: UInt64.random(in: 1 << 32...1 << 62, using: &generator).bigEndian, Array.init) + randomBytes(20)
        case 4: return frame(opcode: 0x8, payload: withUnsafeBytes(of: UInt16.random(in: 0...999, using: &generator).bigEndian, Array.init))
        case 5: return frame(opcode: 0x0, payload: randomBytes(10))
        case 6: return frame(opcode: 0x9, payload: randomBytes(200))
        case 7: return frame(opcode: 0x1, payload: Array(#"{"type":"heartbeat"}"#.utf8), rsv: UInt8.random(in: 1...7, using: &generator))
        case 8: return frame(opcode: 0x8, payload: [0x03])
        default:
            let whole = frame(opcode: 0x1, payload: Array(String(repeating: "x", count: 300).utf8))
            return Array(whole.prefix(Int.random(in: 1..<whole.count, using: &generator)))
        }
    }

    private mutating func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
