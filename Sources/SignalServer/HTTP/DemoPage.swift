import Hummingbird
import NIOCore

/// `GET /demo`: a self-contained HTML + JavaScript page, `demo.html` (no build step, no external
/// assets), that joins a room through `/signal`, opens an `RTCPeerConnection` and a data channel
/// to every peer, and chats over them. Turned off with `DEMO_PAGE=false`.
///
/// The page takes its token from the URL fragment (`/demo#token=…&nodeId=…`, which never
/// reaches a server log) or a pasted field, or needs none when auth is disabled. It exposes
/// `window.__state` (signal state, peers, per-peer channel state, messages, candidate count) for
/// the browser test in `Tests/browser`.
enum DemoPage {
    /// The page as a response: HTML, not cached, with a policy that allows nothing but the
    /// inline script and style and connections to this origin.
    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
            + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `demo.html` next to this file, compiled into the binary by SwiftPM (`.embedInCode`), so
    /// the server stays one file and the page stays a page that editors and linters read.
    private static let body = ByteBuffer(bytes: PackageResources.demo_html)
}
