import Foundation
public import Logging
public import NIOCore
import Signaling
import NIOConcurrencyHelpers

/// A swift-log handler that writes each event as one JSON object on one line:
/// `{"time":"2026-11-30T22:00:00.123Z","level":"info","message":"socket opened","metadata":{"conn":"1a","room":"r"}}`.
///
/// `time` is ISO-8601 UTC with milliseconds; `metadata` is an object of strings (nested values
/// are written as their description). Every string is JSON-escaped, so a control character or a
/// newline in a message can never start a second line.
public struct JSONLogHandler: LogHandler {
    /// Takes one finished line, newline included.
    public typealias Sink = @Sendable (ByteBuffer) -> Void

    /// The handler's own metadata, merged under each event's.
    public var metadata: Logger.Metadata = [:]
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    /// Where the lines go.
    private let sink: Sink

    /// A handler that hands its lines to `sink`.
    public init(sink: @escaping Sink) {
        self.sink = sink
    }

    /// A handler writing to standard output, one `write` per line under a lock, so lines from
    /// different threads never interleave.
    public static func standardOutput() -> JSONLogHandler {
        JSONLogHandler { line in
            let data = Data(line.readableBytesView)
            standardOutputLock.withLock { FileHandle.standardOutput.write(data) }
        }
    }

    private static let standardOutputLock = NIOLock()

    /// One handler-level metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line.
    public func log(event: LogEvent) {
        sink(Self.line(for: event, metadata: metadata, time: Date()))
    }

    /// The line for `event` at `time`, with `metadata` merged under the event's own.
    static func line(for event: LogEvent, metadata: Logger.Metadata, time: Date) -> ByteBuffer {
        var merged = metadata
        if let own = event.metadata { merged.merge(own) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        var line = ByteBuffer()
        line.writeStaticString(#"{"time":"#)
        line.writeJSONString(Timestamp.iso8601(time))
        line.writeStaticString(#","level":"#)
        line.writeJSONString(event.level.rawValue)
        line.writeStaticString(#","message":"#)
        line.writeJSONString(event.message.description)
        line.writeStaticString(#","metadata":{"#)
        for (index, (key, value)) in merged.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { line.writeStaticString(",") }
            line.writeJSONString(key)
            line.writeStaticString(":")
            line.writeJSONString(value.description)
        }
        line.writeStaticString("}}\n")
        return line
    }
}
