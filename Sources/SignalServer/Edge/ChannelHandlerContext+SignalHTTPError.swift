import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

extension ChannelHandlerContext {
    /// Answers a request the router never sees (malformed, too large, too slow, a refused
    /// upgrade) with `error` and `connection: close`, then closes the connection.
    ///
    /// For handlers that sit after the HTTP response encoder and before any other responder.
    func respondAndClose(_ error: SignalHTTPError) {
        var headers = HTTPHeaders(error.responseHeaders)
        let body = error.body
        headers.replaceOrAdd(name: "content-length", value: "\(body.readableBytes)")
        headers.replaceOrAdd(name: "connection", value: "close")
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: Int(error.status.code)), headers: headers)
        write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        let channel = self.channel
        writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
