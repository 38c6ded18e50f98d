import HTTPTypes
import NIOCore
import NIOHTTP1

extension ChannelHandlerContext {
    /// Answers a request the router never sees (malformed, too large, too slow, a refused
    /// upgrade) with `error` and `connection: close`, then closes the connection.
    ///
    /// For handlers that sit after the HTTP response encoder and before any other responder.
    func respondAndClose(_ error: SignalHTTPError) {
        respond(status: error.status, headers: error.responseHeaders, body: error.body, close: true)
    }

    /// Writes a whole response (with `content-length` and `date`); with `close`, it says
    /// `connection: close` and closes the connection once the response is out.
    func respond(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer, close: Bool) {
        // Built here, not converted: `headers` never carries the three fields added.
        var head = HTTPHeaders()
        head.reserveCapacity(headers.count + 3)
        for field in headers { head.add(name: field.name.canonicalName, value: field.value) }
        head.add(name: "content-length", value: String(body.readableBytes))
        head.add(name: "date", value: Timestamp.currentHTTPDate())
        if close { head.add(name: "connection", value: "close") }
        write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: Int(status.code)), headers: head))), promise: nil)
        write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        let end = writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if close {
            let channel = self.channel
            end.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
