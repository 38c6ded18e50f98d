import Hummingbird

/// Answers every unmatched route with the JSON 404 of SPEC § HTTP.
///
/// The message names the method and path only: a query string may hold a token and is never
/// echoed back.
struct NotFoundMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return JSONResponse.error(.notFound, "Route \(request.method.rawValue):\(request.uri.path) not found")
        }
    }
}
