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
            var target = r["target"] as? String ?? "?"
            if let instances = r["instances"] as? Int, instances > 1 {
                target += " ×\(instances), \(r["placement"] as? String ?? "?")"
            }
            return "| relay | \(target) | \(number("pairs")) pairs | \(number("messagesPerSecond")) msgs/s | \(percent("serverCPUShare")) | "
                + "\(number("serverMicrosecondsPerMessage", 1)) µs/msg | \(latency("roundTrip")) | bad frames \(number("badFrames")) |"
        case "mint":
            return "| mint | signal-server | \(number("concurrency")) in flight | \(number("requestsPerSecond")) req/s | "
                + "\(percent("serverCPUShare")) | \(number("serverMicrosecondsPerRequest", 1)) µs/req | \(latency("latency")) | "
                + "failures \(number("failures")) |"
        case "cluster-hold":
            let instances = r["perInstance"] as? [[String: Any]] ?? []
            func each(_ key: String, _ value: ([String: Any]) -> String) -> String {
                "\(key) " + instances.map(value).joined(separator: " / ")
            }
            let health = each("/health p50 / p99 / max (µs)") { i in
                let h = i["health"] as? [String: Any] ?? [:]
                return ["p50", "p99", "max"].map { "\(h[$0] as? Int ?? 0)" }.joined(separator: "/")
            }
            let rss = each("RSS (MiB)") { i in String(format: "%.0f", Double(i["rssKiB"] as? Int ?? 0) / 1024) }
            let peers = each("peers") { i in "\(i["peers"] as? Int ?? -1)" }
            let redis = String(format: "%.0f", Double(r["redisRSSKiB"] as? Int ?? 0) / 1024)
            return "| cluster-hold | signal-server ×\(number("instances")) | \(number("registered")) of \(number("connections")) sockets, "
                + "\(number("generators")) generators | \(number("registersPerSecond")) reg/s over \(number("registerSeconds", 1)) s | – | "
                + "\(number("serverMicrosecondsPerRegister", 0)) µs/reg (instances + Redis) | – | held \(number("holdSeconds", 1)) s, "
                + "closed \(number("closedWhileHeld")), failures \(number("failures")); \(peers); \(health); \(rss); Redis RSS \(redis) MiB |"
        case "revoke":
            return "| revoke | signal-server ×\(number("instances")) | \(number("rounds")) revocations | – | – | – | "
                + "\(latency("revokeToClose")) | POST /revoke on the first instance to the close on the others; closed \(number("closed")), "
                + "not closed \(number("notClosed")) |"
        default:
            return "| \(scenario) | signal-server | \(number("connections")) sockets | \(number("connectsPerSecond")) conn/s | "
                + "\(percent("serverCPUShare")) | \(number("connectsPerServerCPUSecond")) conn per CPU-s | \(latency("latency")) | "
                + "RSS \(number("serverRSSBeforeKiB")) → \(number("serverRSSOpenKiB")) → \(number("serverRSSAfterCloseKiB")) KiB, "
                + "\(number("kibPerConnection", 2)) KiB/conn, /health \(number("healthMillisecondsWhileOpen", 1)) ms, failures \(number("failures")) |"
        }
    }
}
