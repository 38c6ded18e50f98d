import Hummingbird
import NIOCore

/// `GET /openapi.yaml`: the OpenAPI 3.1 description of the HTTP API, `docs/openapi.yaml`.
enum OpenAPIDocument {
    /// The document as a response, `application/yaml`.
    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `docs/openapi.yaml` through the `openapi.yaml` symlink next to this file, compiled into
    /// the binary by SwiftPM (`.embedInCode`): one file, read by people, validators and the server.
    private static let body = ByteBuffer(bytes: PackageResources.openapi_yaml)
}
