public import Logging

/// `LOG_FORMAT`: how the standalone server writes its log lines to standard output.
public enum LogFormat: String, Sendable {
    /// swift-log's plain lines: `2026-11-30T22:00:00+0000 info signal-server: room=r socket opened`.
    case text
    /// One JSON object per line, for a log collector (``JSONLogHandler``).
    case json

    /// A handler for `label` writing to standard output in this format, at `level` and above.
    public func handler(label: String, level: Logger.Level) -> any LogHandler {
        switch self {
        case .text:
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler.standardOutput()
            handler.logLevel = level
            return handler
        }
    }
}
