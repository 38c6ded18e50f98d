import Hummingbird
import NIOCore

/// JSON responses with the content type SPEC § HTTP fixes; errors are ``SignalHTTPError``.
enum JSONResponse {
    /// `application/json; charset=utf-8`, on every JSON response.
    static let contentType = "application/json; charset=utf-8"

    /// A response whose body `write` produces.
    static func make(_ status: HTTPResponse.Status, _ write: (inout ByteBuffer) -> Void) -> Response {
        var body = ByteBuffer()
        write(&body)
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
