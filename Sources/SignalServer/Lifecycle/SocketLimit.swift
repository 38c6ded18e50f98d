#if canImport(Glibc)
import Glibc
#endif

/// How many connections this process may hold before it refuses WebSocket upgrades, from its
/// open-file limit.
///
/// Every connection is a file descriptor; past the limit `accept` fails and nobody, not even
/// `/health`, gets an answer. Counting every accepted connection and refusing upgrades once
/// they pass this number keeps descriptors in reserve for the listening socket, HTTP requests
/// and the 503 that tells a client to come back later; the request deadline frees the ones
/// that silent connections take.
enum SocketLimit {
    /// Descriptors kept back for HTTP requests and the server itself.
    static let reserve = 64

    /// The soft `RLIMIT_NOFILE` less ``reserve``; `Int.max` when there is no limit.
    static func forThisProcess() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return Int.max }
        return max(1, Int(limit.rlim_cur) - reserve)
    }
}
