/// A `stun:`, `turn:` or `turns:` URL as a browser's `RTCIceServer.urls` takes it (RFC 7064,
/// RFC 7065), checked when the server starts so that a typo never reaches a page.
public struct TurnServerURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL scheme.
    public enum Scheme: String, Sendable {
        /// A STUN server: no credentials needed.
        case stun
        /// A TURN server over UDP or TCP.
        case turn
        /// A TURN server over TLS.
        case turns
    }

    /// The scheme.
    public let scheme: Scheme
    /// The host name, IPv4 address or bracketed IPv6 address.
    public let host: String
    /// The port, when given.
    public let port: Int?
    /// `udp` or `tcp`, when given (`turn:` and `turns:` only).
    public let transport: String?

    /// Parses and checks one URL.
    public init(_ text: String) throws(TurnServerURLError) {
        guard let colon = text.firstIndex(of: ":"), let scheme = Scheme(rawValue: text[..<colon].lowercased()) else {
            throw .unknownScheme(text)
        }
        var rest = Substring(text[text.index(after: colon)...])
        var transport: String?
        if let question = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: question)...].lowercased()
            guard scheme != .stun, query == "transport=udp" || query == "transport=tcp" else { throw .badQuery(text) }
            transport = String(query.dropFirst("transport=".count))
            rest = rest[..<question]
        }
        var host = rest
        var port: Int?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), close > rest.index(after: rest.startIndex) else { throw .badHost(text) }
            host = rest[...close]
            let afterHost = rest[rest.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.first == ":" else { throw .badHost(text) }
                port = try Self.port(afterHost.dropFirst(), in: text)
            }
            guard host.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { throw .badHost(text) }
        } else {
            if let portColon = rest.lastIndex(of: ":") {
                host = rest[..<portColon]
                port = try Self.port(rest[rest.index(after: portColon)...], in: text)
            }
            let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
            guard !host.isEmpty, allowed, !host.hasPrefix("."), !host.hasPrefix("-") else { throw .badHost(text) }
        }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
        self.transport = transport
    }

    /// The URL as a browser reads it.
    public var description: String {
        var text = "\(scheme.rawValue):\(host)"
        if let port { text += ":\(port)" }
        if let transport { text += "?transport=\(transport)" }
        return text
    }

    private static func port(_ digits: Substring, in text: String) throws(TurnServerURLError) -> Int {
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCII), let port = Int(digits), (1...65_535).contains(port) else {
            throw .badPort(text)
        }
        return port
    }
}

/// Why a `TURN_URLS` entry was refused.
public enum TurnServerURLError: Error, Equatable, CustomStringConvertible {
    /// Not `stun:`, `turn:` or `turns:`.
    case unknownScheme(String)
    /// The host is empty or holds characters a host name cannot.
    case badHost(String)
    /// The port is not a number from 1 to 65535.
    case badPort(String)
    /// A query other than `?transport=udp` or `?transport=tcp`, or any query on a `stun:` URL.
    case badQuery(String)

    public var description: String {
        switch self {
        case .unknownScheme(let url): "\"\(url)\" must start with stun:, turn: or turns:"
        case .badHost(let url): "\"\(url)\" has no valid host"
        case .badPort(let url): "\"\(url)\" has a port that is not 1-65535"
        case .badQuery(let url): "\"\(url)\" may only end in ?transport=udp or ?transport=tcp (turn: and turns: only)"
        }
    }
}
