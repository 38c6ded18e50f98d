/// Where Redis is and how to log in: a host and port, an optional user and password for
/// `AUTH`, an optional database for `SELECT`.
///
/// Parsed from a URL `redis://[[user]:password@]host[:port][/db]`. Its ``description`` never
/// shows the password, so an endpoint may be logged as it is.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The host name or IP address (an IPv6 address without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The ACL user for `AUTH`; `nil` is the default user.
    public var user: String?
    /// The password for `AUTH`; `nil` sends no `AUTH`.
    public var password: String?
    /// The database for `SELECT`; `nil` stays in database 0.
    public var database: Int?

    /// Why a Redis URL was refused. Its description never contains the URL, which may hold a
    /// password.
    public struct InvalidURL: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong with the URL.
        public let reason: String

        public var description: String { "invalid Redis URL: \(reason) (expected redis://[[user]:password@]host[:port][/db])" }
    }

    /// An endpoint from its parts.
    public init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil, database: Int? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// An endpoint from a URL `redis://[[user]:password@]host[:port][/db]`; the user and
    /// password may be percent-encoded. `rediss://` (TLS) is not supported.
    public init(url: String) throws(InvalidURL) {
        let scheme = url.prefix { $0 != ":" }.lowercased()
        guard scheme != "rediss" else { throw InvalidURL(reason: "rediss:// (TLS) is not supported; use redis://") }
        guard scheme == "redis", url.dropFirst(scheme.count).hasPrefix("://") else {
            throw InvalidURL(reason: "the scheme must be redis://")
        }
        var rest = Substring(url.dropFirst(scheme.count + 3))

        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw InvalidURL(reason: "the part before @ must be [user]:password")
            }
            user = try Self.percentDecoded(userInfo[..<colon], "user")
            password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], "password")
            if user?.isEmpty == true { user = nil }
            // `redis://:@host` names no credential: the default user's `AUTH ""` would be refused.
            if user == nil, password?.isEmpty == true { password = nil }
        }

        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw InvalidURL(reason: "an IPv6 address without its closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let afterHost = authority[authority.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.hasPrefix(":") else { throw InvalidURL(reason: "unexpected text after the IPv6 address") }
                portText = afterHost.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw InvalidURL(reason: "the host is missing") }
        guard !host.contains(where: { "?#@ ".contains($0) }) else { throw InvalidURL(reason: "the host contains an invalid character") }

        var port = 6379
        if let portText {
            guard Self.isDecimal(portText), let number = Int(portText), (1...65535).contains(number) else {
                throw InvalidURL(reason: "the port must be a number from 1 to 65535")
            }
            port = number
        }

        var database: Int?
        if path.count > 1 {
            guard Self.isDecimal(path.dropFirst()), let number = Int(path.dropFirst()) else {
                throw InvalidURL(reason: "the path must be a database number (/0, /1, ...)")
            }
            database = number
        }

        self.init(host: String(host), port: port, user: user, password: password, database: database)
    }

    /// `redis://host:port/db` with the user if there is one and `***` for a password.
    public var description: String {
        var text = "redis://"
        if let user { text += user }
        if password != nil { text += ":***" }
        if user != nil || password != nil { text += "@" }
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)"
        if let database { text += "/\(database)" }
        return text
    }

    /// Whether `text` is ASCII digits only: `Int(_:)` alone would also take a sign (`+6379`, `-0`).
    private static func isDecimal(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// `text` with `%XX` escapes decoded as UTF-8.
    private static func percentDecoded(_ text: Substring, _ what: String) throws(InvalidURL) -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            // Two hex digits: `UInt8(_:radix:)` alone would also take a sign (`%+f`).
            guard utf8.count >= 2, utf8.prefix(2).allSatisfy({ $0 < 0x80 && Character(Unicode.Scalar($0)).isHexDigit }),
                let decoded = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            else {
                throw InvalidURL(reason: "the \(what) has an invalid %-escape")
            }
            bytes.append(decoded)
            utf8 = utf8.dropFirst(2)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw InvalidURL(reason: "the \(what) is not UTF-8 once %-decoded")
        }
        return decoded
    }
}
