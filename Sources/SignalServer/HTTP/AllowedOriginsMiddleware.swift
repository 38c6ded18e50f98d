import Hummingbird

/// `ALLOWED_ORIGINS` for HTTP: a request from a listed origin gets Hummingbird's CORS headers
/// (and its preflight answer), any other request none, so a browser shows the response only to
/// pages of the listed origins, error responses included. The admin secret's header is not
/// among the allowed ones: a page never holds that secret.
///
/// Hummingbird's `CORSMiddleware` checks a list only when it is written out in code
/// (`.oneOf(...)`), so this picks the origins and lets `CORSMiddleware` echo the one it is given.
struct AllowedOriginsMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    private let cors = CORSMiddleware<Context>(
        allowOrigin: .originBased,
        allowMethods: [.get, .head, .post, .options],
        exposedHeaders: ["Retry-After"])

    init(origins: [String]) {
        self.origins = Set(origins)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        return try await cors.handle(request, context: context) { request, context in
            // An error response too, so that a page of the origin can read why it was refused.
            do {
                return try await next(request, context)
            } catch let error as any HTTPResponseError {
                return try error.response(from: request, context: context)
            }
        }
    }
}
