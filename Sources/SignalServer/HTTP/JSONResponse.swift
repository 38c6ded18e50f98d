import Hummingbird
import NIOCore
import Signaling

/// JSON responses with the content type and error shape SPEC § HTTP fixes.
enum JSONResponse {
    /// A response whose body `write` produces.
    static func make(_ status: HTTPResponse.Status, _ write: (inout ByteBuffer) -> Void) -> Response {
        var body = ByteBuffer()
        write(&body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `{"statusCode":N,"error":"<reason phrase>","message":"..."}`, the error shape of the JS
    /// server's framework, so a backend reading either field keeps working.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        make(status) { body in
            body.writeString(#"{"statusCode":\#(status.code),"error":"#)
            body.writeJSONString(status.reasonPhrase)
            body.writeStaticString(#","message":"#)
            body.writeJSONString(message)
            body.writeStaticString("}")
        }
    }
}
