/// The identity provider's public keys for consumer tokens: `CONSUMER_PUBLIC_KEY_JWK`.
///
/// The value holds a single JWK, a JSON array of JWKs, or a JWKS `{"keys":[…]}` (what an
/// identity provider serves at its `jwks_uri`), base64-encoded or as raw JSON. Every key must
/// parse (``ConsumerKey``), and there must be at least one.
public struct ConsumerKeySet: Sendable {
    /// The keys, in the order given.
    public let keys: [ConsumerKey]

    /// Parses a configuration value: base64 (standard or URL alphabet, padded or not, wrapped
    /// or not) of the JSON, or the raw JSON itself when it starts with `{` or `[`.
    public init(configurationValue value: String) throws(ConsumerKeyError) {
        guard let json = ConfigurationJSON.bytes(of: value) else { throw ConsumerKeyError(.notBase64) }
        try self.init(json: json)
    }

    /// Parses the JSON of a JWK, a JWK array or a JWKS.
    public init(json: [UInt8]) throws(ConsumerKeyError) {
        guard let root = JSONValue(parsing: json) else { throw ConsumerKeyError(.notKeySet) }
        let entries: [JSONValue]
        let isSingle: Bool
        switch root {
        case .array(let list):
            (entries, isSingle) = (list, false)
        case .object(let members):
            if let set = members["keys"] {
                guard case .array(let list) = set else { throw ConsumerKeyError(.notKeySet) }
                (entries, isSingle) = (list, false)
            } else {
                (entries, isSingle) = ([root], true)
            }
        default:
            throw ConsumerKeyError(.notKeySet)
        }
        guard !entries.isEmpty else { throw ConsumerKeyError(.empty) }

        var keys: [ConsumerKey] = []
        for (index, entry) in entries.enumerated() {
            do throws(ConsumerKeyError) {
                guard let members = entry.objectValue else { throw ConsumerKeyError(.notJSONObject) }
                keys.append(try ConsumerKey(jwk: members))
            } catch {
                var located = error
                located.index = isSingle ? nil : index
                throw located
            }
        }
        self.keys = keys
    }
}
