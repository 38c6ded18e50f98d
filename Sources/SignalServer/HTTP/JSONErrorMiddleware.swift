import Hummingbird
import Logging
import NIOCore

/// Turns every error a route, the router or Hummingbird throws into a ``SignalHTTPError``, so
/// each comes out in the JSON error shape of SPEC § HTTP: the router's 404 names the method
/// and path, a body over its limit is a 413, anything unexpected a 500 that says nothing more.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SignalHTTPError {
            throw error
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // The router's own 404: no route for this method and path.
            throw SignalHTTPError.routeNotFound(method: request.method, path: request.uri.path)
        } catch let error as HTTPError {
            throw SignalHTTPError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch is NIOTooManyBytesError {
            throw SignalHTTPError(.contentTooLarge, "the request body is too large")
        } catch let error as any HTTPResponseError {
            throw SignalHTTPError(error.status, error.status.reasonPhrase)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw SignalHTTPError(.internalServerError, "internal server error")
        }
    }
}
