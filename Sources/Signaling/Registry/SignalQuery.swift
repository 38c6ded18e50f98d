/// Reads the admission parameters from a `/signal` request target (no HTTP: just the target's
/// form-encoded query, which the server's edge hands over as a string).
public enum SignalQuery {
    /// The path part of a request target, without the query.
    public static func path(of uri: String) -> Substring {
        uri[..<(uri.utf8.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex)]
    }

    /// `token`, `room` and `nodeId`, form-decoded (`%xx` and `+`) the way `URLSearchParams`
    /// does: the first occurrence wins, and a malformed escape is kept as written.
    public static func admissionRequest(from uri: String) -> Admission.Request {
        var request = Admission.Request()
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return request }
        for pair in parts[1].split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = formDecode(keyValue[0])
            let value = keyValue.count == 2 ? formDecode(keyValue[1]) : ""
            switch key {
            case "token" where request.token == nil: request.token = value
            case "room" where request.room == nil: request.room = value
            case "nodeId" where request.nodeId == nil: request.nodeId = value
            default: break
            }
        }
        return request
    }

    private static func formDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator.removeFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
