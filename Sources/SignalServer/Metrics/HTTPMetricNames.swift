/// The names Hummingbird's `MetricsMiddleware` gives its metrics, renamed after this server's
/// (`signal_http_…`, base units, `_total` on counters) with Prometheus label names.
enum HTTPMetricNames {
    private static let names = [
        "hb.requests": "signal_http_requests_total",
        "hb.request.errors": "signal_http_request_errors_total",
        "http.server.request.duration": "signal_http_request_duration_seconds",
        "http.server.active_requests": "signal_http_active_requests",
    ]

    private static let labels = [
        "http.route": "route",
        "http.request.method": "method",
        "http.response.status_code": "status",
        "error.type": "status",
    ]

    /// A `PrometheusMetricsFactory.nameAndLabelSanitizer`: renames what it knows, leaves the rest.
    @Sendable static func rename(_ name: String, _ dimensions: [(String, String)]) -> (String, [(String, String)]) {
        (names[name] ?? name, dimensions.map { (labels[$0.0] ?? $0.0, $0.1) })
    }
}
