public import Foundation

/// Verifies a consumer's identity-provider token (SPEC § Roles and frames: consumer).
///
/// A token passes only with three strict base64url segments, at most 8 KiB in all, a header
/// `alg` that is one of the configured ``ConsumerAlgorithm``s (`none` and HMAC never are), no
/// `crit`, a signature that swift-crypto verifies with a configured key, a numeric `exp` in the
/// future, an `nbf` (if any) not in the future, and, when configured, the `iss` and an `aud`
/// (a string, or an array that contains it).
///
/// The key: when the header has a `kid`, only keys with that `kid` are tried (a `kid` that
/// names no key is refused); otherwise every key whose type, `alg` and `use` fit the token's
/// `alg`.
public struct ConsumerTokenVerifier: Sendable {
    /// The largest token accepted, in bytes.
    public static let maximumTokenBytes = 8192

    private let keys: [ConsumerKey]
    private let algorithms: [ConsumerAlgorithm]
    private let issuer: String?
    private let audience: String?

    /// Creates a verifier that trusts `keys`, accepts `algorithms`, and requires `issuer` and
    /// `audience` when they are given.
    public init(
        keys: ConsumerKeySet, algorithms: [ConsumerAlgorithm] = ConsumerAlgorithm.defaults,
        issuer: String? = nil, audience: String? = nil
    ) {
        self.keys = keys.keys
        self.algorithms = algorithms
        self.issuer = issuer
        self.audience = audience
    }

    /// The claims of `token` if it is valid at `now`.
    public func verify(_ token: String, now: Date = Date()) throws(ConsumerTokenError) -> ConsumerTokenClaims {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumTokenBytes else { throw .oversize }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3, segments.allSatisfy({ !$0.isEmpty }) else { throw .malformed }

        guard let headerBytes = Base64.decode(String(decoding: segments[0], as: UTF8.self)),
            let payloadBytes = Base64.decode(String(decoding: segments[1], as: UTF8.self)),
            let signature = Base64.decode(String(decoding: segments[2], as: UTF8.self))
        else { throw .badEncoding }

        guard let header = JSONValue(parsing: headerBytes)?.objectValue else { throw .badJSON }
        guard let name = header["alg"]?.stringValue else { throw .unsupportedAlgorithm }
        guard !ConsumerAlgorithm.isNeverAccepted(name) else { throw .forbiddenAlgorithm }
        guard let algorithm = ConsumerAlgorithm(rawValue: name) else { throw .unsupportedAlgorithm }
        guard algorithms.contains(algorithm) else { throw .algorithmNotAllowed }
        guard header["crit"] == nil else { throw .criticalHeader }

        var candidates = keys
        if let keyID = header["kid"] {
            candidates = keys.filter { $0.keyID.map(JSONValue.string) == keyID }
            guard !candidates.isEmpty else { throw .unknownKeyID }
        }
        candidates = candidates.filter { $0.fits(algorithm) }
        guard !candidates.isEmpty else { throw .noKeyForAlgorithm }
        let signingInput = Array(bytes[..<(segments[1].endIndex)])
        guard let signer = candidates.first(where: { $0.isValidSignature(signature, for: signingInput, algorithm: algorithm) })
        else { throw .badSignature }

        guard let claims = JSONValue(parsing: payloadBytes)?.objectValue else { throw .badJSON }
        let nowSeconds = now.timeIntervalSince1970
        guard let expiry = claims["exp"]?.numberValue else { throw .missingExpiry }
        guard expiry > nowSeconds else { throw .expired }
        if let nbf = claims["nbf"] {
            guard let value = nbf.numberValue, value <= nowSeconds else { throw .notYetValid }
        }
        if let issuer {
            guard claims["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let single)?: audiences = [single]
        case .array(let list)?: audiences = list.compactMap(\.stringValue)
        default: audiences = []
        }
        if let audience {
            guard audiences.contains(audience) else { throw .wrongAudience }
        }

        return ConsumerTokenClaims(
            algorithm: algorithm,
            keyID: signer.keyID,
            subject: claims["sub"]?.stringValue,
            issuer: claims["iss"]?.stringValue,
            audience: audiences,
            expiresAt: Date(timeIntervalSince1970: expiry))
    }
}
