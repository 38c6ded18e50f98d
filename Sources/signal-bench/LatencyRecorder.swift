import Histogram
import NIOConcurrencyHelpers

/// Latencies in microseconds, recorded from any thread into an HdrHistogram.
final class LatencyRecorder: Sendable {
    private let histogram = NIOLockedValueBox(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))

    /// Records one latency.
    func record(microseconds: UInt64) {
        histogram.withLockedValue { _ = $0.record(max(1, microseconds)) }
    }

    /// Number of recorded values.
    var count: UInt64 { histogram.withLockedValue { $0.totalCount } }

    /// p50, p90, p99 and max, in microseconds.
    var summary: LatencySummary {
        histogram.withLockedValue { h in
            LatencySummary(
                p50: h.valueAtPercentile(50), p90: h.valueAtPercentile(90), p99: h.valueAtPercentile(99),
                max: h.totalCount == 0 ? 0 : h.max)
        }
    }
}

/// Percentiles of one scenario, in microseconds.
struct LatencySummary: Codable, Sendable {
    let p50: UInt64
    let p90: UInt64
    let p99: UInt64
    let max: UInt64
}
