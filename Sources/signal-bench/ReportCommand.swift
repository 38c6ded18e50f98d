import ArgumentParser
import Foundation

/// `signal-bench report`: the results file as a table.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Print a JSON-lines results file as a table.")

    @Argument(help: "The JSON-lines file written by `run --output`.") var file: String

    func run() throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        print("| scenario | target | size | rate | server CPU | server CPU per op | latency p50 / p90 / p99 / max (µs) | notes |")
        print("|---|---|---|---|---|---|---|---|")
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            print(Self.row(object))
        }
    }

    private static func row(_ r: [String: Any]) -> String {
        func number(_ key: String, _ digits: Int = 0) -> String {
            guard let value = r[key] as? Double ?? (r[key] as? Int).map(Double.init) else { return "–" }
            return String(format: "%.\(digits)f", value)
        }
        func percent(_ key: String) -> String {
            guard let value = r[key] as? Double else { return "–" }
            return String(format: "%.0f%%", value * 100)
        }
        func latency(_ key: String) -> String {
            guard let l = r[key] as? [String: Any] else { return "–" }
            return ["p50", "p90", "p99", "max"].map { "\(l[$0] as? Int ?? 0)" }.joined(separator: " / ")
        }
        let scenario = r["scenario"] as? String ?? "?"
        switch scenario {
        case "relay":
            let target = r["target"] as? String ?? "?"
            return "| relay | \(target) | \(number("pairs")) pairs | \(number("messagesPerSecond")) msgs/s | \(percent("serverCPUShare")) | "
                + "\(number("serverMicrosecondsPerMessage", 1)) µs/msg | \(latency("roundTrip")) | bad frames \(number("badFrames")) |"
        case "mint":
            return "| mint | signal-server | \(number("concurrency")) in flight | \(number("requestsPerSecond")) req/s | "
                + "\(percent("serverCPUShare")) | \(number("serverMicrosecondsPerRequest", 1)) µs/req | \(latency("latency")) | "
                + "failures \(number("failures")) |"
        default:
            return "| \(scenario) | signal-server | \(number("connections")) sockets | \(number("connectsPerSecond")) conn/s | "
                + "\(percent("serverCPUShare")) | \(number("connectsPerServerCPUSecond")) conn per CPU-s | \(latency("latency")) | "
                + "RSS \(number("serverRSSBeforeKiB")) → \(number("serverRSSOpenKiB")) → \(number("serverRSSAfterCloseKiB")) KiB, "
                + "\(number("kibPerConnection", 2)) KiB/conn, /health \(number("healthMillisecondsWhileOpen", 1)) ms, failures \(number("failures")) |"
        }
    }
}
