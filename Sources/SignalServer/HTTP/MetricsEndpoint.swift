import HTTPTypes
import Hummingbird
import NIOCore
import Signaling

/// `GET /metrics`: the service's metrics in the Prometheus text format (README § Operating it).
struct MetricsEndpoint: Sendable {
    /// The content type of the Prometheus text exposition format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let service: SignalService
    let metrics: SignalMetrics
    /// `METRICS_TOKEN`, compared in constant time; `nil`: no token is asked for.
    let token: AdminSecret?

    /// With `METRICS_TOKEN` set, `Authorization: Bearer <token>` is required (401 otherwise).
    func respond(to request: Request) async throws(SignalHTTPError) -> Response {
        if let token {
            guard let presented = request.headers.bearerCredential, token.matches(presented) else {
                throw SignalHTTPError(.unauthorized, "the metrics token is required as Authorization: Bearer <token>")
            }
        }
        let text = await metrics.render(openSockets: service.openSocketCount, rooms: service.directory.roomCount)
        var headers = HTTPFields()
        headers[.contentType] = Self.contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
    }
}
