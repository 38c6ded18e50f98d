import Foundation
import Testing

/// Helpers for reading what the server sent.
enum Wire {
    /// `object` as JSON text with sorted keys, for comparing JSON values regardless of key order.
    static func canonical(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `text` parsed as a JSON object.
    static func object(_ text: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(value as? [String: Any])
    }
}

extension TestSocket {
    /// Waits for the server's close frame (skipping other frames) and checks its code and,
    /// when given, its reason.
    func expectClose(
        _ code: UInt16, _ reason: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let close = try await nextClose()
        #expect(close.code == code, sourceLocation: sourceLocation)
        if let reason { #expect(close.reason == reason, sourceLocation: sourceLocation) }
    }

    /// Waits for the next frame and checks that it is `{"type":"error","code":code}` (and the
    /// message, when given).
    func expectError(
        _ code: String, _ message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let frame = try await nextJSON()
        #expect(frame["type"] as? String == "error", sourceLocation: sourceLocation)
        #expect(frame["code"] as? String == code, "\(frame)", sourceLocation: sourceLocation)
        if let message { #expect(frame["message"] as? String == message, sourceLocation: sourceLocation) }
    }

    /// Sends an offer to `target` and waits until `receiver` gets it; returns what arrived.
    @discardableResult
    func relay(to target: String, via receiver: TestSocket, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String: Any]
    {
        let marker = UUID().uuidString
        try await send(json: ["type": "offer", "to": target, "sdp": marker])
        let frame = try await receiver.nextJSON()
        #expect(frame["type"] as? String == "offer" && frame["sdp"] as? String == marker, "\(frame)", sourceLocation: sourceLocation)
        return frame
    }
}
