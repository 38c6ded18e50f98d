public import NIOCore

/// Short-lived TURN credentials in the shape a browser takes as an `RTCIceServer`, with the
/// seconds they stay valid.
public struct IceServer: Sendable, Equatable {
    /// The `stun:`/`turn:`/`turns:` URLs the credentials open.
    public let urls: [String]
    /// `<unix expiry>:<nodeId>`, as coturn's `use-auth-secret` expects.
    public let username: String
    /// base64(HMAC-SHA1(secret, username)).
    public let credential: String
    /// Seconds from now until the credentials expire.
    public let ttl: Int

    /// Credentials with these fields.
    public init(urls: [String], username: String, credential: String, ttl: Int) {
        self.urls = urls
        self.username = username
        self.credential = credential
        self.ttl = ttl
    }

    /// Writes `{"username":…,"credential":…,"ttl":…,"urls":[…]}`: the `GET /turn-credentials`
    /// body, and an `iceServers` entry of `peer-list` and `server-list`.
    public func writeJSON(into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"username":"#)
        buffer.writeJSONString(username)
        buffer.writeStaticString(#","credential":"#)
        buffer.writeJSONString(credential)
        buffer.writeStaticString(#","ttl":"#)
        buffer.writeString(String(ttl))
        buffer.writeStaticString(#","urls":["#)
        for (index, url) in urls.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeJSONString(url)
        }
        buffer.writeStaticString("]}")
    }
}
