public import HTTPTypes
public import Hummingbird
import NIOCore
import Signaling

/// An HTTP error answered with the JSON error shape of SPEC § HTTP:
/// `{"statusCode":400,"error":"Bad Request","message":"..."}`, the shape of the JS server's
/// framework, so a backend reading either field keeps working.
///
/// Routes throw it; ``JSONErrorMiddleware`` turns every other error the router or Hummingbird
/// throws into one; the connection edge writes it for requests that never reach the router
/// (a malformed or oversized request, a refused upgrade).
public struct SignalHTTPError: HTTPResponseError, Sendable {
    /// The response status.
    public let status: HTTPResponse.Status
    /// What is wrong, for the client; never carries a secret or a query string.
    public let message: String
    /// Extra response headers (such as `Sec-WebSocket-Version` on a 426).
    public let headers: HTTPFields

    /// An error with `status` and `message`, and `headers` added to the response.
    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    /// The JSON 404 for a request no route answers. It names the method and path only: a query
    /// string may hold a token and is never echoed.
    static func routeNotFound(method: HTTPRequest.Method, path: String) -> SignalHTTPError {
        SignalHTTPError(.notFound, "Route \(method.rawValue):\(path) not found")
    }

    /// The JSON body.
    var body: ByteBuffer {
        var body = ByteBuffer()
        body.writeString(#"{"statusCode":\#(status.code),"error":"#)
        body.writeJSONString(status.reasonPhrase)
        body.writeStaticString(#","message":"#)
        body.writeJSONString(message)
        body.writeStaticString("}")
        return body
    }

    /// The response headers: the JSON content type and ``headers``.
    var responseHeaders: HTTPFields {
        var fields = headers
        fields[.contentType] = JSONResponse.contentType
        return fields
    }

    /// The response, body and all.
    var response: Response {
        Response(status: status, headers: responseHeaders, body: ResponseBody(byteBuffer: body))
    }

    /// The response Hummingbird sends for this error: ``response``, without the body for `HEAD`.
    public func response(from request: Request, context: some RequestContext) -> Response {
        request.method == .head ? response.createHeadResponse() : response
    }
}
