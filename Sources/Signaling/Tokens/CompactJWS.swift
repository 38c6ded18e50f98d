import Foundation

/// A compact JWS split into its parts, after the structural checks every verifier shares:
/// size, three non-empty segments, strict unpadded base64url, a JSON object header.
struct CompactJWS {
    /// The decoded header members.
    let header: [String: JSONValue]
    /// The decoded payload bytes (not parsed yet: the signature is checked first).
    let payload: [UInt8]
    /// The decoded signature.
    let signature: [UInt8]
    /// The ASCII `header.payload` the signature covers.
    let signingInput: [UInt8]

    init(_ token: String, maximumBytes: Int) throws(TokenError) {
        let bytes = Array(token.utf8)
        guard bytes.count <= maximumBytes else { throw .oversize }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3, segments.allSatisfy({ !$0.isEmpty }) else { throw .malformed }
        guard let headerBytes = Base64.decode(String(decoding: segments[0], as: UTF8.self)),
            let payload = Base64.decode(String(decoding: segments[1], as: UTF8.self)),
            let signature = Base64.decode(String(decoding: segments[2], as: UTF8.self))
        else { throw .badEncoding }
        guard let header = JSONValue(parsing: headerBytes)?.objectValue else { throw .badJSON }
        self.header = header
        self.payload = payload
        self.signature = signature
        self.signingInput = Array(bytes[..<(segments[1].endIndex)])
    }
}

/// The time and audience claims of a verified payload, checked the same way for every token:
/// a numeric `exp` in the future, an `nbf` (if any) not in the future.
struct RegisteredClaims {
    /// All members of the payload.
    let members: [String: JSONValue]
    /// `exp`, seconds since 1970.
    let expiry: Double
    /// `nbf`, when present.
    let notBefore: Double?
    /// `aud` as a list (a single string becomes one element).
    let audiences: [String]

    init(payload: [UInt8], now: Date) throws(TokenError) {
        guard let members = JSONValue(parsing: payload)?.objectValue else { throw .badJSON }
        let nowSeconds = now.timeIntervalSince1970
        guard let expiry = members["exp"]?.numberValue else { throw .missingExpiry }
        guard expiry > nowSeconds else { throw .expired }
        if let nbf = members["nbf"] {
            guard let value = nbf.numberValue, value <= nowSeconds else { throw .notYetValid }
            notBefore = value
        } else {
            notBefore = nil
        }
        switch members["aud"] {
        case .string(let single)?: audiences = [single]
        case .array(let list)?: audiences = list.compactMap(\.stringValue)
        default: audiences = []
        }
        self.members = members
        self.expiry = expiry
    }
}
